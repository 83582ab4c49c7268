/// Which perftest program printed an output, from its title (`RDMA_Write BW Test`) or its
/// JSON `test_info.test` (`RDMA_Write_BW_Test`).
struct PerftestTest {
    /// `ib_write_bw`, `ib_send_lat`, …
    let program: String
    let isLatency: Bool
    /// perftest halves the round trip for write and send latency; read and atomic latency
    /// are reported as the full round trip.
    let reportsOneWay: Bool

    init?(title: Substring) {
        let words = title.split(whereSeparator: { $0 == " " || $0 == "_" }).map { $0.lowercased() }
        guard words.last == "test", words.count >= 3 else { return nil }
        let kind = words[words.count - 2]
        guard kind == "bw" || kind == "latency" else { return nil }
        let verb: String
        switch words[words.count - 3] {
        case "write": verb = "write"
        case "read": verb = "read"
        case "send": verb = "send"
        default:
            if words.contains("atomic") { verb = "atomic" } else { return nil }
        }
        isLatency = kind == "latency"
        program = "ib_\(verb)_\(isLatency ? "lat" : "bw")"
        reportsOneWay = isLatency && (verb == "write" || verb == "send")
    }
}
