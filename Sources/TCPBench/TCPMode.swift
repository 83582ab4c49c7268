/// The TCP tests: who sends, and whether it is bulk or request/response.
public enum TCPMode: String, Sendable, CaseIterable {
    /// Client sends, server receives.
    case stream
    /// Server sends, client receives.
    case reverse
    /// Both at once, on separate connections (`-P N` gives N each way).
    case bidir
    /// Request/response latency over one connection per stream (netperf TCP_RR).
    case rr
    /// Connect, request, response, close: one new connection per transaction (netperf TCP_CRR).
    case crr

    public var kind: String { "tcp.\(rawValue)" }
    public init?(kind: String) {
        guard kind.hasPrefix("tcp."), let m = TCPMode(rawValue: String(kind.dropFirst(4))) else { return nil }
        self = m
    }

    /// Data connections a test with `streams` streams opens.
    func connections(streams: Int) -> Int {
        switch self {
        case .stream, .reverse, .rr: streams
        case .bidir: 2 * streams
        case .crr: 0
        }
    }

    /// Whether the server sends on data connection `index`.
    func serverSends(index: Int, streams: Int) -> Bool {
        switch self {
        case .stream, .rr, .crr: false
        case .reverse: true
        case .bidir: index >= streams
        }
    }
}
