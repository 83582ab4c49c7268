/// What a report command produced: text for stdout, one-line diagnostics for
/// stderr, and how it ended. The executable prints and maps `ending` to its
/// exit status.
public struct CommandOutcome: Sendable {
    public enum Ending: Sendable, Equatable {
        /// Done (exit 0).
        case done
        /// The check said no (exit 1): e.g. no subnet manager.
        case checkFailed
        /// An error (exit 2): no devices, bad input.
        case error
    }
    public var output: String
    public var diagnostics: [String]
    public var ending: Ending
}

/// The error lines for a host without InfiniBand devices.
func noDevicesMessage(_ stack: RDMAStack) -> String {
    switch stack {
    case .notLoaded:
        "no InfiniBand devices found: /sys/class/infiniband is missing (ib_core not loaded); "
            + "load the HCA driver (modprobe mlx5_ib, mlx4_ib or ib_qib) and ib_ipoib, ib_umad, "
            + "or install rdma-core (apt install rdma-core infiniband-diags)"
    case .noDevices:
        "no InfiniBand devices found: ib_core is loaded but no driver registered a device; "
            + "check that lspci shows the HCA and load its driver (modprobe mlx5_ib, mlx4_ib or ib_qib)"
    case .devices:
        ""
    }
}
