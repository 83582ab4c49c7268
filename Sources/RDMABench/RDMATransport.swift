import BenchCore
import CRDMA
import Logging
import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc
import Fabric
#endif
import SystemCalls

/// RDMA as a `Transport` of `ibbench serve`: tests are set up on the server's control
/// connection like TCP's (the same token check, the same `--max-clients`), and their queue
/// pairs connect through rdma_cm on the same port number (rdma_cm's port space is its own).
/// One listener serves every test: each connect request names its test by the session cookie
/// the control connection handed out, and is passed to that test's own thread, so tests run
/// side by side, each with its own verbs resources.
package final class RDMATransport: Transport, @unchecked Sendable {
    package var kinds: [String] { RDMATestSpec.kinds }
    package let port: UInt16
    private let logger: Logger
    /// Why this host serves no RDMA, when it cannot.
    private let unavailable: BenchError?
    private let listener: ConnectListener?
    private let tests = Mutex<[[UInt8]: RDMAServerTest]>([:])
    private let served = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var thread: BenchThread<Void>?

    /// Listens with rdma_cm on `port` (of `address`, or every address). A host without an RDMA
    /// device, or whose rdma_cm cannot listen, still serves TCP: its RDMA tests are refused
    /// with the reason.
    package init(port: UInt16, address: String? = nil, logger: Logger = Logger(label: "ibbench.serve")) {
        self.port = port
        self.logger = logger
        var listener: ConnectListener?
        var unavailable: BenchError?
        if verbsDeviceNames().isEmpty {
            unavailable = BenchError(.local, subject: "rdma", what: "this server has no RDMA device",
                                     next: "run the RDMA test against a host with an HCA, or create Soft-RoCE there")
        } else {
            do { listener = try ConnectListener(port: port, address: address) } catch {
                unavailable = BenchError(.local, subject: error.subject, what: "the server cannot serve RDMA: \(error.what)",
                                         errnoName: error.underlying?.symbol, next: error.next)
            }
        }
        self.listener = listener
        self.unavailable = unavailable
        if let listener {
            logger.info("rdma: listening", metadata: ["address": "\(listener.label)"])
            thread = try? BenchThread(name: "ibb-rdma-listen") { [self] in dispatch(listener) }
        } else if let unavailable {
            logger.notice("rdma: not serving RDMA: \(unavailable)")
        }
    }

    /// RDMA runs served to their end so far.
    package var sessionsServed: Int { served.load(ordering: .relaxed) }

    package func makeServerTest(plan: TestPlan, session: [UInt8]) throws(BenchError) -> any ServerTest {
        if let unavailable { throw unavailable }
        let spec = try RDMATestSpec(plan: plan)
        let test = try RDMAServerTest(spec: spec, session: session, port: port, logger: logger) { [weak self] test, served in
            guard let self else { return }
            _ = tests.withLock { $0.removeValue(forKey: test.session) }
            if served { self.served.add(1, ordering: .relaxed) }
        }
        tests.withLock { $0[session] = test }
        return test
    }

    package func shutdown() {
        stopping.store(true, ordering: .relaxed)
        thread?.join()
        thread = nil
    }

    /// The listener's thread: every connect request goes to the test it names, or is refused.
    private func dispatch(_ listener: ConnectListener) {
        while !stopping.load(ordering: .relaxed) {
            let event: CMEvent?
            do { event = try nextCMEvent(listener.channel, until: .after(seconds: 0.2)) } catch {
                logger.error("rdma: reading rdma_cm events failed (\(error.symbol)); no more RDMA tests are served")
                return
            }
            guard let event else { continue }
            switch event.type {
            case RDMA_CM_EVENT_CONNECT_REQUEST:
                let request = ConnectRequest(event.privateData)
                let test = request.flatMap { r in tests.withLock { $0[r.session] } }
                if let request, let test, test.take(event, request) { continue }
                reject(event.id, .badRequest)
                logger.info("rdma: refused a connect request for no test this server accepted")
            case RDMA_CM_EVENT_DEVICE_REMOVAL:
                logger.error("rdma: the RDMA device was removed; no more RDMA tests are served")
                return
            default:
                logger.debug("rdma: ignoring \(event.name)")
            }
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
final class ConnectListener: @unchecked Sendable {
    let channel: UnsafeMutablePointer<rdma_event_channel>
    let id: UnsafeMutablePointer<rdma_cm_id>
    let label: String

    /// rdma_cm: `rdma_create_event_channel`, `rdma_create_id`, `rdma_bind_addr`, `rdma_listen`.
    init(port: UInt16, address: String?) throws(RDMAError) {
        let where_ = address.map { try? PeerAddress(host: $0, port: port) } ?? PeerAddress(anyOn: port)
        guard let local = where_ else {
            throw RDMAError(.badArgument, address ?? "", "not a local address", next: "give an IP address of this host")
        }
        let ch = try makeEventChannel(subject: local.label)
        var made: UnsafeMutablePointer<rdma_cm_id>?
        do { _ = try sys { rdma_create_id(ch, &made, nil, RDMA_PS_TCP) } } catch {
            rdma_destroy_event_channel(ch)
            throw RDMAError(.connection, local.label, "cannot create the listening rdma_cm id", errno: error, next: "check /dev/infiniband/rdma_cm")
        }
        let id = made!
        do {
            _ = try sys { local.withSockaddr { rdma_bind_addr(id, $0) } }
            _ = try sys { rdma_listen(id, 64) }
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
