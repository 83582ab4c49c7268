/// The UDP tests: a one-way datagram stream, either way, or request/response datagrams.
public enum UDPMode: String, Sendable, CaseIterable {
    /// Client sends datagrams (at `--bitrate`, or as fast as it can); the server counts what
    /// arrives, what is missing and what came out of order (iperf3 -u, netperf UDP_STREAM).
    case stream
    /// The same stream from the server to the client, which counts (iperf3 -u -R).
    case reverse
    /// One request datagram, one response datagram, round trip timed (netperf UDP_RR).
    case rr

    /// Whether datagrams flow one way at a rate (`stream`, `reverse`), not as transactions.
    public var isStream: Bool { self != .rr }

    public var kind: String { "udp.\(rawValue)" }
    public init?(kind: String) {
        guard kind.hasPrefix("udp."), let m = UDPMode(rawValue: String(kind.dropFirst(4))) else { return nil }
        self = m
    }
}
