import BenchCore
import Foundation
import Testing
@testable import PeerTools

/// Saved outputs come with CR LF line ends too (a copy from Windows, a terminal log), and a
/// damaged one may hold control characters, which an error must not pass to the terminal.
@Suite struct LineEndingTests {
    static let textFixtures: [(PeerTool, String)] = [
        (.netperf, "netperf-omni-human-default.txt"), (.netperf, "netperf-omni-keyval-default.txt"),
        (.iperf3, "iperf3-tcp-default.txt"), (.iperf3, "iperf3-udp-b1G.txt"),
        (.qperf, "qperf-tcp_bw-tcp_lat-default.txt"),
    ]

    @Test(arguments: textFixtures)
    func crlfLinesParseAsLF(tool: PeerTool, name: String) throws {
        let text = try Fixture.bench(name)
        let crlf = text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        let plain = try PeerOutput.parse(tool, text)
        let windows = try PeerOutput.parse(tool, crlf)
        #expect(!plain.isEmpty)
        #expect(windows.map(\.test) == plain.map(\.test))
        #expect(windows.map { $0.metrics.map(\.value) } == plain.map { $0.metrics.map(\.value) })
    }

    @Test func controlCharactersInAnErrorAreEscaped() {
        do {
            _ = try PeerOutput.parse(.netperf, "a\u{1b}[31mred\u{7}\nb\n")
            Issue.record("accepted garbage")
        } catch {
            let text = error.description
            #expect(text.contains(#"a\x1b[31mred\x07"#), "\(text)")
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f })
        }
    }
}
