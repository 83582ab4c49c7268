import BenchCore
import CRDMA
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// One rdma_cm event, copied out so it can be acknowledged at once (an unacknowledged event
/// would block `rdma_destroy_id`).
struct CMEvent {
    let type: rdma_cm_event_type
    let status: Int32
    let id: UnsafeMutablePointer<rdma_cm_id>
    let privateData: [UInt8]
    /// The peer's offered RDMA read depths (connect requests).
    let initiatorDepth: UInt8
    let responderResources: UInt8

    var name: String { String(cString: rdma_event_str(type)) }
}

/// Reads the next event of `channel` (non-blocking fd) before `deadline`; nil when none came.
/// rdma_cm: `rdma_get_cm_event` + `rdma_ack_cm_event`, waiting with poll(2) on the channel fd.
func nextCMEvent(_ channel: UnsafeMutablePointer<rdma_event_channel>, until deadline: Deadline) throws(Errno) -> CMEvent? {
    while true {
        var raw: UnsafeMutablePointer<rdma_cm_event>?
        do throws(Errno) {
            _ = try sys { rdma_get_cm_event(channel, &raw) }
        } catch where error == .resourceTemporarilyUnavailable {
            // Nothing yet on the non-blocking channel: wait for one, or the deadline.
            if try !waitReadable(channel.pointee.fd, until: deadline) { return nil }
            continue
        }
        if let ev = raw {
            let e = ev.pointee
            let conn = e.param.conn
            var data: [UInt8] = []
            if let p = conn.private_data, conn.private_data_len > 0 {
                data = Array(UnsafeRawBufferPointer(start: p, count: Int(conn.private_data_len)))
            }
            let copy = CMEvent(type: e.event, status: e.status, id: e.id, privateData: data,
                               initiatorDepth: conn.initiator_depth, responderResources: conn.responder_resources)
            rdma_ack_cm_event(ev)
            return copy
        }
    }
}

/// Waits for `expected` on a client id: any other event (ADDR_ERROR, REJECTED, UNREACHABLE, …)
/// or the deadline becomes the matching one-line error.
func expectCMEvent(_ expected: rdma_cm_event_type, on channel: UnsafeMutablePointer<rdma_event_channel>,
                   peer: String, seconds: Double) throws(RDMAError) -> CMEvent {
    let deadline = Deadline.after(seconds: seconds)
    let stage: String
    let code: RDMAError.Code
    switch expected {
    case RDMA_CM_EVENT_ADDR_RESOLVED: stage = "address resolution"; code = .addressResolution
    case RDMA_CM_EVENT_ROUTE_RESOLVED: stage = "route resolution"; code = .routeResolution
    default: stage = "connection"; code = .connection
    }
    let event: CMEvent?
    do { event = try nextCMEvent(channel, until: deadline) } catch {
        throw RDMAError(.connection, peer, "reading rdma_cm events failed", errno: error, next: "check /dev/infiniband/rdma_cm")
    }
    guard let event else {
        throw RDMAError(code, peer, "rdma_cm \(stage) timed out after \(Int(seconds.rounded())) s",
                        next: code == .connection ? "is ibbench serve running there, and is the port right?"
                            : "check that the address belongs to an RDMA-capable interface (IPoIB or RoCE) and is reachable")
    }
    if event.type == expected { return event }
    switch event.type {
    case RDMA_CM_EVENT_ADDR_ERROR:
        throw RDMAError(.addressResolution, peer, "rdma_cm address resolution failed (\(event.name), status \(event.status))",
                        next: "use an address that routes through an RDMA device (IPoIB or RoCE interface)")
    case RDMA_CM_EVENT_ROUTE_ERROR:
        throw RDMAError(.routeResolution, peer, "rdma_cm route resolution failed (\(event.name), status \(event.status))",
                        next: "check the link (ibsetup status) and, on InfiniBand, the subnet manager")
    case RDMA_CM_EVENT_REJECTED:
        if let reply = ConnectReply(event.privateData) {
            let (why, next) = switch reply.status {
            case .badRequest: ("server refused the request (different ibbench version, or the test ended?)",
                               "use the same ibbench version on both ends")
            case .noResources: ("server could not allocate verbs resources", "check the server's log")
            case .accepted: ("rejected", "check the server's log")
            }
            throw RDMAError(.rejected, peer, why, next: next)
        }
        throw RDMAError(.notServing, peer, "connection rejected, nothing serves RDMA on this port (\(event.name), status \(event.status))",
                        next: "start ibbench serve on the peer, or pass the port it listens on")
    case RDMA_CM_EVENT_UNREACHABLE, RDMA_CM_EVENT_CONNECT_ERROR:
        throw RDMAError(.notServing, peer, "peer unreachable (\(event.name), status \(event.status))",
                        next: "check that ibbench serve runs there and the link is up")
    case RDMA_CM_EVENT_DEVICE_REMOVAL:
        throw RDMAError(.noDevice, peer, "the RDMA device was removed", next: "check the HCA (ibsetup status)")
    default:
        throw RDMAError(.connection, peer, "unexpected rdma_cm event \(event.name) (status \(event.status)) during \(stage)",
                        next: "retry; if it persists, check the link and the server")
    }
}
