import Fabric
import Foundation
import SystemPackage
import Testing

/// A sysfs tree with the kernel's counter files for two ports, which a test rewrites
/// between two reads as the HCA would count.
struct CounterTree {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-counters-\(UUID().uuidString)")
        for port in [1, 2] {
            try set("mlx5_0", port, counters: [
                "symbol_error": 0, "link_downed": 1, "port_rcv_errors": 0, "port_xmit_discards": 0,
                "port_xmit_wait": 10, "port_xmit_data": 1000, "port_rcv_data": 2000,
                "port_xmit_packets": 10, "port_rcv_packets": 20,
            ], hardware: ["out_of_buffer": 0, "rx_write_requests": 5])
        }
        // An attribute an HCA without extended counters cannot give.
        try "N/A\n".write(to: dir("mlx5_0", 1, "counters").appendingPathComponent("unicast_xmit_packets"),
                          atomically: true, encoding: .utf8)
    }

    func dir(_ device: String, _ port: Int, _ kind: String) -> URL {
        root.appendingPathComponent("sys/class/infiniband/\(device)/ports/\(port)/\(kind)")
    }

    /// Writes the counters given, leaving the others as they are.
    func set(_ device: String, _ port: Int, counters: [String: UInt64] = [:], hardware: [String: UInt64] = [:]) throws {
        for (kind, values) in [("counters", counters), ("hw_counters", hardware)] {
            let d = dir(device, port, kind)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            for (name, value) in values {
                try "\(value)\n".write(to: d.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
    }

    var path: FilePath { FilePath(root.path) }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite struct CounterTests {
    @Test func readsBothKindsOfCounterOfEveryPort() throws {
        let tree = try CounterTree()
        defer { tree.remove() }
        let ports = try PortCounters.read(root: tree.path)
        #expect(ports.map(\.name) == ["mlx5_0:1", "mlx5_0:2"])
        #expect(ports[0].counters["port_xmit_data"] == 1000 && ports[0].counters["link_downed"] == 1)
        #expect(ports[0].hardware == ["out_of_buffer": 0, "rx_write_requests": 5])
        #expect(ports[0].counters["unicast_xmit_packets"] == nil, "a counter the port cannot give is left out")
        #expect(try PortCounters.read(root: tree.path, target: CounterTarget(parsing: "mlx5_0:2")!).map(\.name) == ["mlx5_0:2"])
    }

    /// A counter that is not a count is said, not dropped without a word.
    @Test func aCounterThatIsNotACountIsAProblem() throws {
        let tree = try CounterTree()
        defer { tree.remove() }
        let file = tree.root.appendingPathComponent("sys/class/infiniband/mlx5_0/ports/1/counters/link_downed")
        try "banana\n".write(to: file, atomically: false, encoding: .utf8)
        let ports = try PortCounters.read(root: tree.path)
        #expect(ports[0].counters["link_downed"] == nil)
        #expect(ports[0].problems == ["mlx5_0:1: counter link_downed reads 'banana', not a count; left out"])
        let outcome = counterSnapshot(root: tree.path)
        #expect(outcome.ending == .done)
        #expect(outcome.diagnostics == ports[0].problems)
    }

    @Test func aMissingPortNamesWhatThereIs() throws {
        let tree = try CounterTree()
        defer { tree.remove() }
        #expect(throws: CounterReadError.self) { try PortCounters.read(root: tree.path, target: CounterTarget(device: "mlx4_0")) }
        let outcome = counterSnapshot(root: tree.path, target: CounterTarget(device: "mlx5_0", port: 3))
        #expect(outcome.ending == .error)
        #expect(outcome.diagnostics.first?.contains("found: mlx5_0") == true, "\(outcome.diagnostics)")
        #expect(counterSnapshot(root: FilePath("/nonexistent")).ending == .error)
    }

    @Test func targetsParseAsDeviceAndPort() {
        #expect(CounterTarget(parsing: "mlx5_0") == CounterTarget(device: "mlx5_0"))
        #expect(CounterTarget(parsing: "mlx5_0:1") == CounterTarget(device: "mlx5_0", port: 1))
        for bad in ["", ":1", "mlx5_0:", "mlx5_0:0", "mlx5_0:x", "a:1:2"] { #expect(CounterTarget(parsing: bad) == nil, "\(bad)") }
    }

    @Test func snapshotMarksErrorCountersThatAreNotZero() throws {
        let tree = try CounterTree()
        defer { tree.remove() }
        let table = counterSnapshot(root: tree.path).output
        #expect(table.contains("mlx5_0:1  link_downed") && table.contains("error counter, not zero"))
        #expect(table.contains("4000 bytes"), "port_xmit_data counts 4-byte words")
        let json = try JSONSerialization.jsonObject(with: Data(counterSnapshot(root: tree.path, json: true).output.utf8)) as? [String: Any]
        #expect(json?["schema"] as? String == "ibkit.counters/1")
        let first = (json?["ports"] as? [[String: Any]])?.first
        #expect(first?["errors_not_zero"] as? [String] == ["link_downed"])
    }

    @Test func intervalsShowWhatMovedAndFlagErrors() throws {
        let tree = try CounterTree()
        defer { tree.remove() }
        var lines: [String] = []
        var interval = 0
        let outcome = watchCounters(root: tree.path, interval: 1, count: 3, json: true, output: { lines.append($0) }) { _ in
            interval += 1
            switch interval {
            case 1:   // traffic only: 1e9 words out = 4 GB
                try? tree.set("mlx5_0", 1, counters: ["port_xmit_data": 1000 + 1_000_000_000, "port_xmit_packets": 1_000_010])
            case 2:   // a bad cable: symbol errors, and the driver dropped packets for lack of buffers
                try? tree.set("mlx5_0", 2, counters: ["symbol_error": 3], hardware: ["out_of_buffer": 7])
            default:  // reset (perfquery -r): counted from zero since
                try? tree.set("mlx5_0", 1, counters: ["port_xmit_packets": 4])
            }
        }
        #expect(outcome.ending == .checkFailed)
        let docs = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(docs.count == 3 && lines.allSatisfy { $0.hasSuffix("\n") && !$0.dropLast().contains("\n") })
        #expect(docs.allSatisfy { $0["schema"] as? String == "ibkit.counters/1" && $0["event"] as? String == "interval" })
        func port(_ doc: [String: Any], _ name: String) -> [String: Any]? {
            (doc["ports"] as? [[String: Any]])?.first { $0["port"] as? String == name }
        }
        let first = try #require(port(docs[0], "mlx5_0:1"))
        #expect((first["changes"] as? [String: Int]) == ["port_xmit_data": 1_000_000_000, "port_xmit_packets": 1_000_000])
        #expect(first["errors"] as? [String] == [])
        let seconds = try #require(docs[0]["seconds"] as? Double)
        #expect(abs((first["sent_bytes_per_second"] as? Double ?? 0) - 4e9 / seconds) < 1)
        let second = try #require(port(docs[1], "mlx5_0:2"))
        #expect(second["errors"] as? [String] == ["hw.out_of_buffer", "symbol_error"])
        #expect((port(docs[1], "mlx5_0:1")?["changes"] as? [String: Int]) == [:], "nothing moved there")
        #expect((port(docs[2], "mlx5_0:1")?["changes"] as? [String: Int]) == ["port_xmit_packets": 4])
    }

    @Test func quietIntervalsPass() throws {
        let tree = try CounterTree()
        defer { tree.remove() }
        var text = ""
        let outcome = watchCounters(root: tree.path, interval: 0, count: 2, output: { text += $0 }) { _ in }
        #expect(outcome.ending == .done)
        #expect(text.contains("interval 2") && text.contains("mlx5_0:2  sent 0.00 Gbit/s  received 0.00 Gbit/s"))
        #expect(!text.contains("ERROR"))
    }
}
