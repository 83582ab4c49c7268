import Foundation
import Subunit
import TestProcesses
import Testing

/// Every test in ibbench's subunit output starts (`inprogress`) no later than it ends:
/// readers take end minus start as the test's time, and JUnit and stestr would show a
/// negative time for a result that never started.
@Suite struct SubunitTimingTests {
    /// Results that come without a running test behind them: a connect error, the
    /// `--repeat` aggregate, an imported result.
    static func commands() throws -> [[String]] {
        let netperf = try peerToolsTempFile("timing-netperf.txt", PeerToolsSamples.netperfRR)
        return [
            ["tcp", "127.0.0.1", "--port", "1", "-t", "0.2", "--format", "subunit"],
            ["tcp", "--loopback", "-t", "0.2", "--repeat", "2", "--format", "subunit"],
            ["import", "netperf", netperf, "--format", "subunit"],
        ]
    }

    /// Each test id (and route) with the time it started and the time it ended.
    static func spans(_ bytes: [UInt8]) -> [String: (start: Timestamp?, end: Timestamp?)] {
        var decoder = PacketDecoder()
        decoder.feed(bytes)
        decoder.endOfInput()
        var spans: [String: (start: Timestamp?, end: Timestamp?)] = [:]
        while let event = decoder.next() {
            guard case .packet(let p) = event, let id = p.testID, p.status != .undefined else { continue }
            let status = p.status
            let key = id + (p.routeCode.map { " @\($0)" } ?? "")
            if status == .inProgress {
                if spans[key]?.start == nil { spans[key, default: (nil, nil)].start = p.timestamp }
            } else {
                spans[key, default: (nil, nil)].end = p.timestamp
            }
        }
        return spans
    }

    @Test func everyTestStartsNoLaterThanItEnds() throws {
        for command in try Self.commands() {
            let run = try runTool("ibbench", command, timeout: 60)
            let spans = Self.spans(run.output)
            #expect(!spans.isEmpty, "\(command): some test")
            for (test, span) in spans {
                let start = try #require(span.start, "\(command): \(test) has an inprogress packet")
                let end = try #require(span.end, "\(command): \(test) has a final packet")
                #expect(start <= end, "\(command): \(test) starts at \(start), after its end at \(end)")
            }
            guard let junit = PythonTools.find("subunit2junitxml") else { continue }
            let xml = try PythonTools.run(junit, input: .bytes(run.output)).stdout
            #expect(xml.contains("<testcase"), "\(command): \(xml.prefix(200))")
            #expect(!xml.contains("time=\"-"), "\(command): a negative time in \(xml)")
        }
    }
}
