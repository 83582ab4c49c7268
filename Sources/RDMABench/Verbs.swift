import BenchCore
import CRDMA
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The two ways verbs and rdma_cm report failure, each turned into a thrown `Errno`.
enum Verbs {
    /// Calls that return NULL and set errno (`ibv_alloc_pd`, `ibv_create_cq`, `ibv_reg_mr`).
    static func pointer<T>(_ call: () -> T?) throws(Errno) -> T {
        if let p = call() { return p }
        throw Errno(rawValue: errno == 0 ? ENOMEM : errno)
    }

    /// Calls that return -1 and set errno (rdma_cm: `rdma_connect`, `rdma_create_qp`, …), retrying EINTR.
    static func status(_ call: () -> Int32) throws(Errno) {
        while true {
            if call() == 0 { return }
            let e = Errno(rawValue: errno)
            if e != .interrupted { throw e }
        }
    }

    /// Calls that return the errno itself, 0 on success (`ibv_post_send`, `ibv_req_notify_cq`).
    static func returned(_ call: () -> Int32) throws(Errno) {
        let r = call()
        if r != 0 { throw Errno(rawValue: r < 0 ? -r : r) }
    }
}

/// Waits until `fd` is readable or `deadline` passes. True when readable.
func waitReadable(_ fd: Int32, until deadline: Deadline) throws(Errno) -> Bool {
    while true {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, deadline.remainingMilliseconds)
        if r > 0 { return true }
        if r < 0 {
            let e = Errno(rawValue: errno)
            if e == .interrupted { continue }
            throw e
        }
        if deadline.hasPassed { return false }
    }
}

/// Makes `fd` non-blocking, so that reading an event after poll never waits.
func setNonBlocking(_ fd: Int32) throws(Errno) {
    let flags = fcntl(fd, F_GETFL)
    if flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 { throw Errno(rawValue: errno) }
}

/// Name of the RDMA device behind a verbs context, e.g. `rxe0`.
func deviceName(_ ctx: UnsafeMutablePointer<ibv_context>) -> String {
    String(cString: ibv_get_device_name(ctx.pointee.device))
}

/// Names of the RDMA devices present; empty when there are none (or no verbs provider loaded).
public func rdmaDeviceNames() -> [String] {
    var n: Int32 = 0
    guard let list = ibv_get_device_list(&n) else { return [] }
    defer { ibv_free_device_list(list) }
    return (0..<Int(n)).compactMap { i in list[i].map { String(cString: ibv_get_device_name($0)) } }
}

func portStateName(_ s: ibv_port_state) -> String {
    switch s {
    case IBV_PORT_DOWN: "DOWN"
    case IBV_PORT_INIT: "INIT"
    case IBV_PORT_ARMED: "ARMED"
    case IBV_PORT_ACTIVE: "ACTIVE"
    case IBV_PORT_ACTIVE_DEFER: "ACTIVE_DEFER"
    default: "NOP"
    }
}

/// The port a run uses must be ACTIVE; `--dev`/`--port` must match the one rdma_cm routed to.
func checkPort(_ ctx: UnsafeMutablePointer<ibv_context>, port: UInt8,
               wantDevice: String?, wantPort: Int?, peer: String) throws(RDMAError) {
    let name = deviceName(ctx)
    if let wantDevice, wantDevice != name {
        throw RDMAError(.deviceMismatch, peer, "routes through \(name), not \(wantDevice)",
                        next: "use an address of an interface on \(wantDevice), or drop --dev")
    }
    if let wantPort, wantPort != Int(port) {
        throw RDMAError(.deviceMismatch, peer, "routes through \(name) port \(port), not port \(wantPort)",
                        next: "use an address of an interface on port \(wantPort), or drop --port")
    }
    var attr = ibv_port_attr()
    let r = crdma_query_port(ctx, port, &attr)
    if r != 0 {
        throw RDMAError(.verbs, "\(name) port \(port)", "ibv_query_port failed", errno: Errno(rawValue: r),
                        next: "check the device with ibv_devinfo")
    }
    if attr.state != IBV_PORT_ACTIVE {
        throw RDMAError(.portDown, "\(name) port \(port)", "port state is \(portStateName(attr.state)), not ACTIVE",
                        next: "bring the link up (cable, subnet manager: ibsetup status)")
    }
}

/// The one-line subject for a verbs call that failed.
func verbsFailure(_ call: String, _ e: Errno, device: String) -> RDMAError {
    RDMAError(.verbs, device, "\(call) failed", errno: e,
              next: e == .noMemory || e == .resourceTemporarilyUnavailable
                  ? "raise the locked-memory limit (ulimit -l unlimited) or lower --size/--qps/--tx-depth"
                  : "check the device with ibv_devinfo and the options against its limits")
}
