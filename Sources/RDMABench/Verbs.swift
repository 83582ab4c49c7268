import BenchCore
import CRDMA
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// Waits until `fd` is readable or `deadline` passes. True when readable.
func waitReadable(_ fd: Int32, until deadline: Deadline) throws(Errno) -> Bool {
    while true {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if try sys({ poll(&p, 1, deadline.remainingMilliseconds) }) > 0 { return true }
        if deadline.hasPassed { return false }
    }
}

/// Makes `fd` non-blocking, so that reading an event after poll never waits.
func setNonBlocking(_ fd: Int32) throws(Errno) {
    let flags = try sys { fcntl(fd, F_GETFL) }
    _ = try sys { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
}

/// Name of the RDMA device behind a verbs context, e.g. `rxe0`.
func deviceName(_ ctx: UnsafeMutablePointer<ibv_context>) -> String {
    String(cString: ibv_get_device_name(ctx.pointee.device))
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
    do { try sysReturned { crdma_query_port(ctx, port, &attr) } } catch {
        throw RDMAError(.verbs, "\(name) port \(port)", "ibv_query_port failed", errno: error,
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
