import ArgumentParser

/// `--timeout` means the same in tcp, udp and rdma; each keeps its own default (rdma's also
/// bounds address resolution and the connection).
enum TimeoutHelp {
    static let text: ArgumentHelp = "Seconds a silent peer is waited for before the run ends as lost (partial results kept)."
}
