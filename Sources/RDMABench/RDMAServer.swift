import BenchCore
import CRDMA
import Logging
import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The RDMA side of `ibbench serve`: listens with rdma_cm (whose port space is separate from
/// kernel TCP, so it shares the port number of the TCP control port), accepts one client run at
/// a time (its QPs arrive as separate connect requests with the same session number), serves
/// it, and goes back to listening (with `once`, returns instead). A client that breaks its run
/// costs the server nothing.
public final class RDMAServer: Sendable {
    /// The port number of `ibbench serve`'s TCP control port (rdma_cm has a port space of its own).
    public static let defaultPort: UInt16 = 5301

    public let port: UInt16
    private let address: String?
    private let once: Bool
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let served = Atomic<Int>(0)
    private let admission: Mutex<RDMAAdmission>

    /// `address` restricts listening to one local IP (and so one device); nil listens on all.
    /// With `once`, `run()` returns after the first client run ends, whether it completed or broke.
    /// With a `token`, only runs whose requests are signed with it are served (`RDMAAdmission`).
    public init(port: UInt16 = RDMAServer.defaultPort, address: String? = nil, once: Bool = false,
                token: String? = nil, logger: Logger = Logger(label: "ibkit.rdma.server")) {
        self.port = port
        self.address = address
        self.once = once
        self.admission = Mutex(RDMAAdmission(token: token))
        self.logger = logger
    }

    /// Runs until `stop()` (or, with `once`, until one client run ended); throws only when it
    /// cannot listen at all.
    public func run(ready: () -> Void = {}) throws(RDMAError) {
        if rdmaDeviceNames().isEmpty { throw RDMAClient.noDeviceError }
        let listener = try Listener(port: port, address: address)
        logger.info("rdma: listening on \(listener.label)")
        ready()
        while !stopping.load(ordering: .relaxed) {
            let event: CMEvent?
            do { event = try nextCMEvent(listener.channel, until: .after(seconds: 0.2)) } catch {
                throw RDMAError(.connection, listener.label, "reading rdma_cm events failed", errno: error, next: "restart ibbench serve")
            }
            guard let event else { continue }
            switch event.type {
            case RDMA_CM_EVENT_CONNECT_REQUEST:
                if serve(first: event, listener: listener) && once { return }
            case RDMA_CM_EVENT_DEVICE_REMOVAL:
                throw RDMAError(.noDevice, listener.label, "the RDMA device was removed", next: "check the HCA, then restart ibbench serve")
            default:
                logger.debug("rdma: ignoring \(event.name)")
            }
        }
    }

    /// Ends `run()` within about 0.2 s (a run in progress ends first, bounded by its deadline).
    public func stop() { stopping.store(true, ordering: .relaxed) }

    /// Client runs served to their end so far.
    public var sessionsServed: Int { served.load(ordering: .relaxed) }

    /// Serves one client run; false when the request was refused as not an ibbench run.
    private func serve(first: CMEvent, listener: borrowing Listener) -> Bool {
        guard let request = ConnectRequest(first.privateData), request.qpIndex == 0,
              (1...64).contains(request.qpCount), request.slotCount >= 1, request.slotSize >= request.messageSize,
              request.messageSize >= 1,
              UInt64(request.slotCount) * UInt64(request.slotSize) * UInt64(request.qpCount) <= 1 << 34 else {
            reject(first.id, .badRequest)
            logger.info("rdma: refused a connect request that is not an ibbench run")
            return false
        }
        let now = UInt32(clamping: time(nil))
        if case .refused(let why) = admission.withLock({ $0.admitRun(request, bytes: first.privateData, now: now) }) {
            reject(first.id, why)
            logger.info("rdma: refused run \(request.session): \(why == .stale ? "request too old or replayed" : "missing or wrong token")")
            return false
        }
        do {
            var session = try ServerSession(request: request, logger: logger)
            try session.accept(first)
            for q in 1..<Int(request.qpCount) {
                try session.accept(try nextQP(q, of: request, listener: listener))
            }
            if try session.run(listener: listener) { served.add(1, ordering: .relaxed) }
        } catch {
            logger.info("rdma: run from \(request.session) ended: \(error)")
        }
        return true
    }

    /// The connect request of QP `q` of the same session; other clients are told the server is busy.
    private func nextQP(_ q: Int, of request: ConnectRequest, listener: borrowing Listener) throws(RDMAError) -> CMEvent {
        let deadline = Deadline.after(seconds: 10)
        while true {
            let e: CMEvent?
            do { e = try nextCMEvent(listener.channel, until: deadline) } catch {
                throw RDMAError(.connection, listener.label, "reading rdma_cm events failed", errno: error, next: "retry")
            }
            guard let e else {
                throw RDMAError(.connection, listener.label, "QP \(q) of \(request.qpCount) never came", next: "the client gave up; nothing to do")
            }
            guard e.type == RDMA_CM_EVENT_CONNECT_REQUEST else { continue }
            if let r = ConnectRequest(e.privateData), r.session == request.session, Int(r.qpIndex) == q {
                let now = UInt32(clamping: time(nil))
                if case .refused(let why) = admission.withLock({ $0.admitQP(r, bytes: e.privateData, now: now) }) {
                    reject(e.id, why)
                    throw RDMAError(.rejected, listener.label, "QP \(q) of run \(request.session) was not signed with the token",
                                    next: "nothing to do; the run is dropped")
                }
                return e
            }
            reject(e.id, .busy)
        }
    }
}

/// Rejects a connect request with a reason the client prints, and frees its cm_id.
func reject(_ id: UnsafeMutablePointer<rdma_cm_id>, _ status: ConnectReply.Status) {
    let data = ConnectReply(status: status).encoded()
    data.withUnsafeBytes { _ = rdma_reject(id, $0.baseAddress, UInt8($0.count)) }
    rdma_destroy_id(id)
}

/// The listening cm_id and its event channel; `deinit` destroys the id, then the channel.
struct Listener: ~Copyable {
    let channel: UnsafeMutablePointer<rdma_event_channel>
    let id: UnsafeMutablePointer<rdma_cm_id>
    let label: String

    /// rdma_cm: `rdma_create_event_channel`, `rdma_create_id`, `rdma_bind_addr`, `rdma_listen`.
    init(port: UInt16, address: String?) throws(RDMAError) {
        let where_ = address.map { try? PeerAddress(host: $0, port: port) } ?? PeerAddress(anyOn: port)
        guard let local = where_ else {
            throw RDMAError(.badArgument, address ?? "", "not a local address", next: "give an IP address of this host")
        }
        guard let ch = rdma_create_event_channel() else {
            throw RDMAError(.noDevice, local.label, "cannot open the rdma_cm event channel", errno: Errno(rawValue: errno),
                            next: "load rdma_ucm (modprobe rdma_ucm) and check /dev/infiniband/rdma_cm")
        }
        var made: UnsafeMutablePointer<rdma_cm_id>?
        do {
            try setNonBlocking(ch.pointee.fd)
            try Verbs.status { rdma_create_id(ch, &made, nil, RDMA_PS_TCP) }
        } catch {
            rdma_destroy_event_channel(ch)
            throw RDMAError(.connection, local.label, "cannot create the listening rdma_cm id", errno: error, next: "check /dev/infiniband/rdma_cm")
        }
        let id = made!
        do {
            try Verbs.status { local.withSockaddr { rdma_bind_addr(id, $0) } }
            try Verbs.status { rdma_listen(id, 64) }
        } catch {
            rdma_destroy_id(id)
            rdma_destroy_event_channel(ch)
            throw RDMAError(.connection, local.label, "cannot listen with rdma_cm", errno: error,
                            next: error == .addressInUse ? "another RDMA server uses this port; pick another with --port"
                                : "give an address of an RDMA-capable interface")
        }
        channel = ch
        self.id = id
        label = local.label
    }

    deinit {
        rdma_destroy_id(id)
        rdma_destroy_event_channel(channel)
    }
}
