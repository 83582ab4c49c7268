#if canImport(Glibc)
import Glibc
#endif
import OrderedJSON
import SystemPackage

/// `ibsetup counters [DEV[:PORT]]`: every counter of every port named, read once. Error
/// counters that are not zero are marked; whether they moved needs `--interval`.
public func counterSnapshot(root: FilePath = "/", target: CounterTarget = CounterTarget(), json: Bool = false) -> CommandOutcome {
    let ports: [PortCounters]
    do { ports = try PortCounters.read(root: root, target: target) } catch {
        return CommandOutcome(output: "", diagnostics: [error.description], ending: .error)
    }
    if json {
        let doc = JSONValue.object([
            ("schema", .string(CounterJSON.schema)),
            ("sysfs_root", .string(root.string)),
            ("ports", .array(ports.map(CounterJSON.snapshot))),
        ])
        return CommandOutcome(output: doc.rendered() + "\n", diagnostics: ports.flatMap(\.problems), ending: .done)
    }
    var rows: [[String]] = [["PORT", "COUNTER", "VALUE", ""]]
    for p in ports {
        let all = p.counters.map { ($0.key, $0.value) } + p.hardware.map { ("hw.\($0.key)", $0.value) }
        for (name, value) in all.sorted(by: { $0.0 < $1.0 }) {
            var note = CounterDelta.isError(name) && value > 0 ? "error counter, not zero" : ""
            if CounterDelta.wordCounters.contains(name) { note = "\(value &* 4) bytes" }
            rows.append([p.name, name, String(value), note])
        }
    }
    return CommandOutcome(output: FabricSnapshot.align(rows).map { String($0.reversed().drop { $0 == " " }.reversed()) + "\n" }.joined(),
                          diagnostics: ports.flatMap(\.problems), ending: .done)
}

/// `ibsetup counters --interval S [--count N]`: reads, waits `interval`, reads again and
/// writes what moved, for `count` intervals (nil: until stopped). Ends `.checkFailed`
/// when an error counter moved in any interval.
///
/// - Parameters:
///   - output: each interval's text or JSON line, as it ends.
///   - wait: sleeps the interval between reads (a test rewrites the tree instead).
public func watchCounters(root: FilePath = "/", target: CounterTarget = CounterTarget(), interval: Double, count: Int?,
                          json: Bool = false, output: (String) -> Void,
                          wait: (Double) -> Void = { usleep(UInt32(min($0, 4000) * 1e6)) }) -> CommandOutcome {
    var before: [PortCounters]
    do { before = try PortCounters.read(root: root, target: target) } catch {
        return CommandOutcome(output: "", diagnostics: [error.description], ending: .error)
    }
    var moved = false
    var n = 0
    while count.map({ n < $0 }) ?? true {
        n += 1
        let start = monotonicSeconds()
        wait(interval)
        let after: [PortCounters]
        do { after = try PortCounters.read(root: root, target: target) } catch {
            return CommandOutcome(output: "", diagnostics: [error.description], ending: .error)
        }
        let seconds = monotonicSeconds() - start
        let deltas = after.compactMap { a in
            before.first { $0.device == a.device && $0.port == a.port }.map { CounterDelta(from: $0, to: a, seconds: seconds) }
        }
        if deltas.contains(where: { !$0.errors.isEmpty }) { moved = true }
        output(json ? CounterJSON.interval(n, deltas).compact() + "\n" : CounterText.interval(n, deltas))
        before = after
    }
    return CommandOutcome(output: "", diagnostics: moved ? ["an error counter moved; see the lines marked ERROR"] : [],
                          ending: moved ? .checkFailed : .done)
}

/// The `ibkit.counters/1` documents (docs/json-output.md).
enum CounterJSON {
    static let schema = "ibkit.counters/1"

    static func number(_ v: UInt64) -> JSONValue { Int(exactly: v).map(JSONValue.int) ?? .double(Double(v)) }

    static func values(_ d: [String: UInt64]) -> JSONValue {
        .object(d.sorted { $0.key < $1.key }.map { ($0.key, number($0.value)) })
    }

    static func snapshot(_ p: PortCounters) -> JSONValue {
        let nonzero = (p.counters.map { ($0.key, $0.value) } + p.hardware.map { ("hw.\($0.key)", $0.value) })
            .filter { CounterDelta.isError($0.0) && $0.1 > 0 }.map(\.0).sorted()
        return .object([
            ("port", .string(p.name)), ("device", .string(p.device)), ("port_number", .int(p.port)),
            ("counters", values(p.counters)), ("hw_counters", values(p.hardware)),
            ("errors_not_zero", .array(nonzero.map(JSONValue.string))),
        ])
    }

    static func interval(_ n: Int, _ deltas: [CounterDelta]) -> JSONValue {
        .object([
            ("schema", .string(schema)), ("event", .string("interval")), ("interval", .int(n)),
            ("seconds", .double(deltas.first?.seconds ?? 0)),
            ("ports", .array(deltas.map { d in
                let rate = d.bytesPerSecond
                return .object([
                    ("port", .string(d.name)),
                    ("sent_bytes_per_second", rate.map { JSONValue.double($0.sent) } ?? .null),
                    ("received_bytes_per_second", rate.map { JSONValue.double($0.received) } ?? .null),
                    ("changes", values(d.changes)),
                    ("errors", .array(d.errors.map(JSONValue.string))),
                ])
            })),
        ])
    }
}

/// The table form of one interval: a rate line per port, then every counter that moved.
enum CounterText {
    static func interval(_ n: Int, _ deltas: [CounterDelta]) -> String {
        var out = "interval \(n) (\(fixed(deltas.first?.seconds ?? 0, 1)) s)\n"
        for d in deltas {
            if let rate = d.bytesPerSecond {
                out += "\(d.name)  sent \(gbits(rate.sent))  received \(gbits(rate.received))\n"
            } else if d.seconds > 0 {
                out += "\(d.name)  no data counters (rates unknown)\n"
            }
            for (name, value) in d.changes.sorted(by: { $0.key < $1.key }) {
                out += "\(d.name)  \(name) +\(value)" + (CounterDelta.isError(name) ? "  ERROR" : "") + "\n"
            }
        }
        return out
    }

    static func gbits(_ bytesPerSecond: Double) -> String { fixed(bytesPerSecond * 8 / 1e9, 2) + " Gbit/s" }

    static func fixed(_ x: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let r = (x * scale).rounded() / scale
        let whole = Int(r), frac = Int(((r - Double(whole)) * scale).rounded().magnitude)
        let digits = String(frac)
        return "\(whole).\(String(repeating: "0", count: max(0, places - digits.count)))\(digits)"
    }
}
