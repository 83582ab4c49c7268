#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization
import SystemPackage
import SystemCalls

/// `ibbench serve` settings.
public struct ServerOptions: Sendable {
    /// The one port for control and data connections.
    public static let defaultPort: UInt16 = 5301

    public var port: UInt16 = defaultPort
    /// Local address to listen on (default: every address, IPv4 and IPv6 where available).
    public var bind: String?
    /// Netdev to bind the listener to (SO_BINDTODEVICE), e.g. an IPoIB interface.
    public var device: String?
    /// Serve one client's test, then return.
    public var once = false
    /// Tests running at once; a client beyond the limit is told the server is busy.
    public var maxClients = 4
    /// Shared secret clients must prove knowledge of (HMAC challenge-response).
    public var token: String?

    public init(port: UInt16 = defaultPort, bind: String? = nil, device: String? = nil, once: Bool = false,
                maxClients: Int = 4, token: String? = nil) {
        self.port = port
        self.bind = bind
        self.device = device
        self.once = once
        self.maxClients = maxClients
        self.token = token
    }
}

/// The benchmark server of every transport: one listening TCP port; each connection gets a
/// handler thread that reads its first frame (deadline 10 s) and becomes either a control
/// session, whose test any registered transport runs, or a data connection of an accepted
/// test. Every wait is bounded, so silent, vanishing or garbage-sending clients cost one
/// thread for at most the deadline.
public final class BenchServer: Sendable {
    public let options: ServerOptions
    public let port: UInt16
    private let acceptor: ConnectionAcceptor
    private let registry: TransportRegistry
    /// Tests accepted and not yet ended, by session cookie: data connections find theirs here.
    private let sessions = SessionTable()
    private let logger: Logger
    private let controlSessions = Atomic<Int>(0)
    /// Connections still in their first-frame phase or serving; beyond this, new ones are closed.
    private static let maxHandlers = 1024

    /// Binds the port; `transports` are the test kinds served (TCP, RDMA).
    package init(options: ServerOptions, transports: [any Transport], logger: Logger = Logger(label: "ibbench.serve"))
        throws(BenchError)
    {
        self.options = options
        self.logger = logger
        self.registry = TransportRegistry(transports)
        let host = options.bind ?? "::"
        var address: SocketAddress
        do {
            address = try SocketAddress.resolve(host, port: options.port, passive: true)
        } catch {
            throw BenchError(.usage, subject: "--bind \(host)", what: "not an address of this host", next: "give a local IP address")
        }
        let listener: Socket
        do {
            listener = try Socket.listen(on: address, device: options.device)
        } catch let e where options.bind == nil && e == .addressFamilyNotSupported {
            // No IPv6 on this host: fall back to every IPv4 address.
            address = try SocketAddress.resolve("0.0.0.0", port: options.port, passive: true)
            do { listener = try Socket.listen(on: address, device: options.device) } catch {
                throw Self.listenError(error, address: address, options: options)
            }
        } catch {
            throw Self.listenError(error, address: address, options: options)
        }
        do { acceptor = try ConnectionAcceptor(listener: listener, maxHandlers: Self.maxHandlers, threadName: "ibb-conn", logger: logger) } catch {
            throw BenchError(.local, subject: "listener", what: "getsockname failed", errnoName: error.symbol, next: "report this")
        }
        port = acceptor.port
    }

    private static func listenError(_ e: Errno, address: SocketAddress, options: ServerOptions) -> BenchError {
        switch e {
        case .addressInUse:
            BenchError(.local, subject: "port \(options.port)", what: "already in use", errnoName: e.symbol,
                       next: "stop the other server or pass --port")
        case .permissionDenied, .notPermitted:
            BenchError(.local, subject: "port \(options.port)", what: "not permitted", errnoName: e.symbol,
                       next: options.device != nil ? "--dev needs CAP_NET_RAW; run as root" : "use a port above 1023 or run as root")
        case .operationNotSupportedByDevice:
            BenchError(.usage, subject: "--dev \(options.device ?? "")", what: "no such interface", errnoName: e.symbol,
                       next: "name an interface from `ip link`")
        default:
            BenchError(.local, subject: "\(address)", what: "cannot listen", errnoName: e.symbol, next: "check --bind and --port")
        }
    }

    /// Test kinds this server runs.
    public var kinds: Set<String> { registry.kinds }

    /// Accepts and serves until `stop()` (or, with `once`, until the first test ends).
    public func serve() {
        logger.info("listening", metadata: ["port": "\(port)", "kinds": "\(registry.kinds.sorted().joined(separator: ","))"])
        acceptor.run { [self] in handle($0) }
        // Let handlers finish their current step (each is bounded by its own deadline).
        acceptor.waitForHandlers(until: .after(seconds: 5))
        for t in registry.transports { t.shutdown() }
    }

    /// Makes `serve()` return within about 200 ms.
    public func stop() { acceptor.stop() }

    private func handle(_ socket: consuming Socket) {
        var channel = ControlChannel(socket: socket)
        switch channel.receive(until: .after(seconds: 10)) {
        case .event(.message(.hello)):
            runControl(&channel)
        case .event(.message(.attach(let session, let stream))):
            let leftover = channel.decoder.takeRemaining()
            guard let test = sessions.test(for: session) else {
                _ = channel.send(.error("unknown session; attach only to a test this server accepted"))
                return
            }
            test.attach(channel.takeSocket(), stream: stream, leftover: leftover)
        case .event(let e):
            var machine = ControlServerMachine(nonce: [], token: nil, knownKinds: [])
            let reply = machine.received(e).compactMap { a -> ControlMessage? in
                if case .sendAndClose(let m) = a { return m } else { return nil }
            }
            for m in reply { _ = channel.send(m, until: .after(seconds: 2)) }
        case .closed, .timedOut:
            return
        }
    }

    private func runControl(_ channel: inout ControlChannel) {
        let current = controlSessions.wrappingAdd(1, ordering: .relaxed).newValue
        defer {
            controlSessions.wrappingSubtract(1, ordering: .relaxed)
        }
        if current > options.maxClients {
            _ = channel.send(.busy("server busy: \(options.maxClients) test\(options.maxClients == 1 ? "" : "s") already running (--max-clients); retry in a few seconds"),
                             until: .after(seconds: 2))
            return
        }
        var session = ControlSession(registry: registry, sessions: sessions, token: options.token,
                                     logger: logger.with(client: channel.socket.peerDescription()))
        session.run(&channel)
        if options.once { stop() }
    }
}

extension ControlChannel {
    /// Gives the socket to a data loop, ending the channel.
    package consuming func takeSocket() -> Socket { socket }
}

/// The tests a server has accepted and not yet ended, by session cookie.
final class SessionTable: Sendable {
    private let tests = Mutex<[[UInt8]: any ServerTest]>([:])

    func add(_ test: any ServerTest) { tests.withLock { $0[test.session] = test } }
    func remove(_ session: [UInt8]) { _ = tests.withLock { $0.removeValue(forKey: session) } }
    func test(for session: [UInt8]) -> (any ServerTest)? { tests.withLock { $0[session] } }
}

extension Logger {
    /// This logger with the client's address in every record of its session.
    func with(client: String) -> Logger {
        var l = self
        l[metadataKey: "client"] = "\(client)"
        return l
    }
}
