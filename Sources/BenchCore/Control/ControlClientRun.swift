import SystemPackage
import SystemCalls

/// The client's side of a transport's data path, as the control runner drives it.
package protocol ClientDataPath: AnyObject {
    /// Opens the data path of the accepted test `session` (TCP: the data connections, each
    /// sending `attach`; RDMA: the queue pairs through rdma_cm), using the server's `info`.
    func open(session: [UInt8], info: [String: String]) throws(BenchError)
    /// Starts the data threads; the server has been told `start`. Each thread signals
    /// `finished` once it has ended, after `allDone` counts it.
    func start(signalling finished: Wakeup) throws(BenchError)
    /// Stops the data threads now (abort); what they measured is kept.
    func stop()
    /// True once every data thread has ended by itself.
    var allDone: Bool { get }
    /// Once `allDone`: why the data threads found the peer gone (silent, disconnected), or nil.
    /// The run then ends at once, telling the server `stop`, instead of waiting for results a
    /// stopped or dead peer would never send.
    var peerLost: String? { get }
}

extension ClientDataPath {
    package var peerLost: String? { nil }
}

/// One test's control connection on the client: connects, runs the `ControlClientMachine`
/// against the server and drives `dataPath` through it, every wait bounded by the machine's
/// deadlines. The same for every transport.
package struct ControlClientRun {
    package enum End {
        /// No control connection could be made.
        case unreachable(BenchError)
        /// The protocol ran to an end: completed, busy or failed.
        case ended(ControlClientMachine.Outcome)
        /// This side's data path could not be opened or started (the server was told to
        /// stop): the error says what and what to do, with no server to blame.
        case localFailure(BenchError)

        /// What a transport whose server reports one result per stream (tcp, udp) makes of the
        /// end: the server's halves by stream and why the run broke, when anything was
        /// `measured`; otherwise the error alone, since there is nothing to report.
        package func streamHalves(peer: SocketAddress, measured: Bool)
            -> Result<(server: [Int: BenchResult], failure: String?), BenchError>
        {
            switch self {
            case .unreachable(let error):
                return .failure(error)
            case .ended(.busy(let text)):
                return .failure(BenchError(.peer, subject: "\(peer)", what: text, next: "or run against another server"))
            case .localFailure(let error) where !measured:
                return .failure(error)
            case .localFailure(let error):
                return .success(([:], error.description))
            case .ended(.failed(let why)) where !measured:
                return .failure(BenchError(.peer, subject: "\(peer)", what: why, next: "see the server's log"))
            case .ended(.failed(let why)):
                return .success(([:], why))
            case .ended(.completed(let bytes)):
                var server: [Int: BenchResult] = [:]
                for (r, _) in SubunitResults.decode(bytes) {
                    if let i = r.parameters["stream"].flatMap({ Int($0) }) { server[i] = r }
                }
                return .success((server, nil))
            }
        }
    }

    package let address: SocketAddress
    /// Socket settings of the control connection (`--dev`, `--bind`).
    package let connection: SocketOptions
    package let plan: TestPlan
    package let token: String?
    /// How long a silent server gets to send its results (`ControlClientMachine`).
    package let resultsTimeout: Double?

    package init(address: SocketAddress, connection: SocketOptions, plan: TestPlan, token: String?,
                 resultsTimeout: Double? = nil) {
        self.address = address
        self.resultsTimeout = resultsTimeout
        var c = connection
        c.noDelay = true
        self.connection = c
        self.plan = plan
        self.token = token
    }

    /// Runs the test. `connected` is called once the control connection is up (a reporter
    /// marks the test in progress there), `started` once the data threads run.
    package func run(_ dataPath: some ClientDataPath, connected: () -> Void = {}, started: () -> Void = {}) -> End {
        let control: Socket
        do {
            control = try Socket.connect(to: address, options: connection, until: .after(seconds: 10))
        } catch {
            return .unreachable(BenchError(.peer, subject: "\(address)", what: "cannot connect", errnoName: error.symbol,
                                           next: Self.advice(error, port: address.port, device: connection.device)))
        }
        connected()
        var channel = ControlChannel(socket: control)
        var machine = ControlClientMachine(plan: plan, token: token, software: "ibbench \(ibkitVersion)",
                                           resultsTimeout: resultsTimeout)
        var queue = machine.connected()
        var finished: Wakeup?
        var localFailure: BenchError?
        while true {
            while !queue.isEmpty {
                switch queue.removeFirst() {
                case .send(let m):
                    if !channel.send(m) { queue += machine.peerClosed() }
                case .attachDataPath(let session, let info):
                    do {
                        try dataPath.open(session: session, info: info)
                        queue += machine.dataPathAttached()
                    } catch {
                        localFailure = error
                        queue += machine.dataPathFailed(error.description)
                    }
                case .startStreams:
                    do throws(BenchError) {
                        let signal = try Self.makeWakeup()
                        finished = signal
                        try dataPath.start(signalling: signal)
                        started()
                    } catch {
                        localFailure = error
                        queue += machine.dataPathFailed(error.description)
                    }
                case .stopStreams:
                    dataPath.stop()
                case .finish(let outcome):
                    dataPath.stop()
                    if case .failed = outcome, let localFailure { return .localFailure(localFailure) }
                    return .ended(outcome)
                }
            }
            if machine.state == .running, let finished {
                queue += waitForStreams(&channel, &machine, dataPath, finished)
                continue
            }
            switch channel.receive(until: .after(seconds: machine.waitLimit)) {
            case .event(let e): queue += machine.received(e)
            case .closed: queue += machine.peerClosed()
            case .timedOut: queue += machine.deadlinePassed()
            }
        }
    }

    /// While the data threads run: watch the control connection (a server error or a lost
    /// peer stops them) until they are all done or the time limit passes. Nothing polls: the
    /// wait wakes for the server or for a thread that has ended.
    private func waitForStreams(_ channel: inout ControlChannel, _ machine: inout ControlClientMachine,
                                _ dataPath: some ClientDataPath, _ finished: Wakeup) -> [ControlClientMachine.Action] {
        let deadline = Deadline.after(seconds: machine.waitLimit)
        while true {
            finished.drain()
            if dataPath.allDone {
                if let why = dataPath.peerLost { return machine.dataPathFailed(why) }
                return machine.streamsFinished()
            }
            switch channel.receive(until: deadline, or: finished) {
            case .event(let e)?: return machine.received(e)
            case .closed?: return machine.peerClosed()
            case .timedOut?: return machine.deadlinePassed()
            case nil: continue   // a thread ended
            }
        }
    }

    private static func makeWakeup() throws(BenchError) -> Wakeup {
        do { return try Wakeup() } catch {
            throw BenchError(.local, subject: "ibbench", what: "cannot make the descriptors the data threads signal on",
                             errnoName: error.symbol, next: "raise the open-file limit (ulimit -n)")
        }
    }

    /// What to do about a connection that failed with `e`.
    package static func advice(_ e: Errno, port: UInt16, device: String?) -> String {
        switch e {
        case .connectionRefused: "is `ibbench serve` running there, on port \(port)?"
        case .timedOut: "check the route and firewalls for port \(port)"
        case .permissionDenied, .notPermitted: device != nil ? "--dev needs CAP_NET_RAW; run as root" : "check firewall rules"
        case .operationNotSupportedByDevice: "--dev names no interface here; see `ip link`"
        case .tooManyOpenFiles, .tooManyOpenFilesInSystem: "raise the open-file limit (ulimit -n) or lower -P"
        case .invalidArgument: "check --mss, --window and --congestion values"
        case .noSuchFileOrDirectory: "--congestion names an algorithm this kernel lacks; see net.ipv4.tcp_available_congestion_control"
        default: "check the peer address and --bind/--dev"
        }
    }
}
