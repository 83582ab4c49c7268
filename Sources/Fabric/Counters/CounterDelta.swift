/// What moved on one port between two reads, and which of it is trouble.
public struct CounterDelta: Sendable, Equatable {
    public var device: String
    public var port: Int
    /// Every counter that changed, standard and driver's, by name (driver's prefixed `hw.`).
    public var changes: [String: UInt64]
    /// The error counters among them, sorted.
    public var errors: [String]
    public var seconds: Double
    /// Whether the port has the data counters at all (rxe and some drivers have none).
    public var hasDataCounters: Bool

    /// The standard counters that count faults (IBA 1.4, PortCounters attribute); any
    /// move of one is worth a look, however small.
    public static let errorCounters: Set<String> = [
        "symbol_error", "link_error_recovery", "link_downed", "port_rcv_errors",
        "port_rcv_remote_physical_errors", "port_rcv_switch_relay_errors", "port_xmit_discards",
        "port_xmit_constraint_errors", "port_rcv_constraint_errors", "local_link_integrity_errors",
        "excessive_buffer_overrun_errors", "VL15_dropped",
    ]

    /// Driver counters are named freely; these parts mark the ones that count faults
    /// (mlx5 `out_of_buffer`, `packet_seq_err`; rxe `retry_exceeded_err`, `send_err`, …).
    static let errorParts = ["err", "discard", "drop", "out_of_", "duplicate", "link_downed"]

    public static func isError(_ name: String) -> Bool {
        if name.hasPrefix("hw.") {
            let bare = name.dropFirst(3)
            return errorParts.contains { bare.contains($0) }
        }
        return errorCounters.contains(name)
    }

    /// `port_xmit_data` and `port_rcv_data` count 4-octet words (IBA 16.1.3.5).
    public static let wordCounters: Set<String> = ["port_xmit_data", "port_rcv_data"]

    /// - Parameter seconds: the time between the two reads.
    public init(from before: PortCounters, to after: PortCounters, seconds: Double) {
        device = after.device
        port = after.port
        self.seconds = seconds
        hasDataCounters = Self.wordCounters.isSubset(of: after.counters.keys)
        var changes: [String: UInt64] = [:]
        func compare(_ old: [String: UInt64], _ new: [String: UInt64], prefix: String) {
            for (name, value) in new {
                // A counter that went down was reset (perfquery -r, a driver reload): what it
                // holds now is what it counted since.
                let moved = value >= (old[name] ?? value) ? value - (old[name] ?? value) : value
                if moved > 0 { changes[prefix + name] = moved }
            }
        }
        compare(before.counters, after.counters, prefix: "")
        compare(before.hardware, after.hardware, prefix: "hw.")
        self.changes = changes
        errors = changes.keys.filter(Self.isError).sorted()
    }

    public var name: String { "\(device):\(port)" }

    /// Bytes through the port each second, each way, from the 4-octet data counters; nil
    /// when the port has none.
    public var bytesPerSecond: (sent: Double, received: Double)? {
        guard seconds > 0, hasDataCounters else { return nil }
        let sent = changes["port_xmit_data"].map { Double($0) * 4 / seconds } ?? 0
        let received = changes["port_rcv_data"].map { Double($0) * 4 / seconds } ?? 0
        return (sent, received)
    }
}
