import BenchCore
import CRDMA
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why a data loop stopped early. Carried out of the loop as a value: the loop itself never
/// throws, allocates or formats.
enum LoopFailure: Equatable {
    case completion(ibv_wc_status, qp: Int)
    case post(Int32)
    case pollFailed
    case peerSilent(seconds: Int)
    case peerDisconnected
    case asyncEvent(ibv_event_type)
    /// The control plane ended the run (the other side said stop, or its connection broke).
    case stopped

    func error(peer: String) -> RDMAError {
        switch self {
        case .completion(let status, let qp):
            let name = String(cString: ibv_wc_status_str(status))
            let lost = status == IBV_WC_RETRY_EXC_ERR || status == IBV_WC_RNR_RETRY_EXC_ERR || status == IBV_WC_WR_FLUSH_ERR
            return RDMAError(lost ? .peerLost : .verbs, peer, "work completion on QP \(qp) failed: \(name)",
                             next: lost ? "the peer stopped answering; check that ibbench serve is still running there"
                                 : "check the options against the device limits (ibv_devinfo -v)")
        case .post(let r):
            return RDMAError(.verbs, peer, "ibv_post_send failed", errno: .init(rawValue: r),
                             next: "lower --tx-depth, --post-list or --inline to what the device supports")
        case .pollFailed:
            return RDMAError(.verbs, peer, "ibv_poll_cq failed", next: "check the device (ibv_devinfo)")
        case .peerSilent(let s):
            return RDMAError(.peerLost, peer, "no completion for \(s) s", next: "the peer stopped answering; check that ibbench serve is still running there")
        case .peerDisconnected:
            return RDMAError(.peerLost, peer, "the peer disconnected mid-run", next: "check the server's log; rerun")
        case .stopped:
            return RDMAError(.peerLost, peer, "the run was stopped", next: "see the control connection's error")
        case .asyncEvent(let e):
            return RDMAError(.peerLost, peer, "asynchronous event \(String(cString: ibv_event_type_str(e)))",
                             next: "check the link and the device (ibsetup status)")
        }
    }
}

/// Completions for a data loop: busy `ibv_poll_cq`, or with `--poll events` a sleep on the
/// completion channel (armed with `ibv_req_notify_cq`) when the CQ is empty.
struct CompletionPoller {
    let cq: UnsafeMutablePointer<ibv_cq>
    let channel: UnsafeMutablePointer<ibv_comp_channel>?
    let wc: UnsafeMutablePointer<ibv_wc>
    let capacity: Int32
    /// CQ events taken and not yet acknowledged; the owner acknowledges them before destroying the CQ.
    var unacked: UInt32 = 0

    /// Completions now in `wc[0..<n]`; 0 when none came (in events mode, after up to 1 ms of sleep).
    @inline(__always)
    mutating func poll() -> Int32 {
        let n = ibv_poll_cq(cq, capacity, wc)
        if n != 0 || channel == nil { return n }
        return sleepForEvent()
    }

    private mutating func sleepForEvent() -> Int32 {
        if ibv_req_notify_cq(cq, 0) != 0 { return -1 }
        let n = ibv_poll_cq(cq, capacity, wc)   // completions that came before arming
        if n != 0 { return n }
        var p = pollfd(fd: channel!.pointee.fd, events: Int16(POLLIN), revents: 0)
        if Glibc.poll(&p, 1, 1) > 0 {
            var eventCQ: UnsafeMutablePointer<ibv_cq>?
            var context: UnsafeMutableRawPointer?
            if ibv_get_cq_event(channel, &eventCQ, &context) == 0 { unacked &+= 1 }
        }
        return ibv_poll_cq(cq, capacity, wc)
    }
}

/// Raised by the control plane to end a data loop early; the loop looks at it when idle.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    init() {}
    func raise() { flag.store(true, ordering: .relaxed) }
    var isRaised: Bool { flag.load(ordering: .relaxed) }
}

/// Watches for a dead peer while a loop waits: no completion for `stallNanos`, an rdma_cm
/// event (DISCONNECTED) on the connection's channel, a fatal asynchronous event, or the
/// control plane's stop. Cheap when there is progress: it reads the clock and polls the fds
/// only every 1024 idle turns.
struct PeerWatch {
    let cmFD: Int32
    /// The device whose asynchronous events are watched; its async fd is made non-blocking by `init`.
    let context: UnsafeMutablePointer<ibv_context>?
    let stallNanos: UInt64
    let stop: StopFlag
    private var idleTurns: UInt32 = 0
    private var idleSince: UInt64 = 0

    init(cmFD: Int32, context: UnsafeMutablePointer<ibv_context>?, stallSeconds: Double, stop: StopFlag) {
        self.cmFD = cmFD
        self.context = context
        self.stop = stop
        if let context { try? setNonBlocking(context.pointee.async_fd) }
        stallNanos = UInt64(min(stallSeconds, 86_400) * 1e9)
    }

    @inline(__always)
    mutating func progress() { idleTurns = 0; idleSince = 0 }

    /// Called when a poll found nothing; non-nil when the run should stop.
    @inline(__always)
    mutating func idle(every turns: UInt32 = 1024) -> LoopFailure? {
        idleTurns &+= 1
        if idleTurns % turns != 0 { return nil }
        return check()
    }

    private mutating func check() -> LoopFailure? {
        if stop.isRaised { return .stopped }
        let now = monotonicNanos()
        if idleSince == 0 { idleSince = now }
        var fds = (pollfd(fd: cmFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: context?.pointee.async_fd ?? -1, events: Int16(POLLIN), revents: 0))
        let ready = withUnsafeMutablePointer(to: &fds) {
            $0.withMemoryRebound(to: pollfd.self, capacity: 2) { Glibc.poll($0, 2, 0) }
        }
        if ready > 0 {
            if fds.0.revents != 0 { return .peerDisconnected }
            if let f = asyncFailure() { return f }
        }
        if now &- idleSince > stallNanos { return .peerSilent(seconds: Int(stallNanos / 1_000_000_000)) }
        return nil
    }

    /// Reads one asynchronous event of the device (its fd is non-blocking); fatal ones end the run.
    private func asyncFailure() -> LoopFailure? {
        guard let context else { return nil }
        var event = ibv_async_event()
        guard ibv_get_async_event(context, &event) == 0 else { return nil }
        let type = event.event_type
        ibv_ack_async_event(&event)
        switch type {
        case IBV_EVENT_QP_FATAL, IBV_EVENT_QP_REQ_ERR, IBV_EVENT_QP_ACCESS_ERR, IBV_EVENT_CQ_ERR,
             IBV_EVENT_PORT_ERR, IBV_EVENT_DEVICE_FATAL:
            return .asyncEvent(type)
        default:
            return nil
        }
    }
}
