/// The UDP tests: a one-way datagram stream, either way or both at once, or request/response
/// datagrams.
public enum UDPMode: String, Sendable, CaseIterable {
    /// Client sends datagrams (at `--bitrate`, or as fast as it can); the server counts what
    /// arrives, what is missing and what came out of order (iperf3 -u, netperf UDP_STREAM).
    case stream
    /// The same stream from the server to the client, which counts (iperf3 -u -R).
    case reverse
    /// Both at once, each way on sockets of its own (`-P N` gives N each way; iperf3 -u --bidir).
    case bidir
    /// One request datagram, one response datagram, round trip timed (netperf UDP_RR).
    case rr

    /// Whether datagrams flow as streams at a rate (`stream`, `reverse`, `bidir`), not as transactions.
    public var isStream: Bool { self != .rr }

    /// Whether the server sends on some socket, and so needs the plan's rate.
    var serverSends: Bool { self == .reverse || self == .bidir }

    public var kind: String { "udp.\(rawValue)" }
    public init?(kind: String) {
        guard kind.hasPrefix("udp."), let m = UDPMode(rawValue: String(kind.dropFirst(4))) else { return nil }
        self = m
    }

    /// Sockets, each with a port of its own on the server, that a test with `streams` streams uses.
    func sockets(streams: Int) -> Int { self == .bidir ? 2 * streams : streams }

    /// Whether the server sends on socket `index`: bidir's second half, as in tcp bidir.
    func serverSends(index: Int, streams: Int) -> Bool { self == .reverse || (self == .bidir && index >= streams) }
}
