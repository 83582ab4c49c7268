import Foundation
import Subunit
import Testing

/// True on a host without RDMA devices (the build host; the Soft-RoCE VM has one).
let hostHasNoRDMADevice = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/infiniband")) ?? []).isEmpty

@Suite struct RDMACLITests {
    @Test func serveHelpSaysOnceCoversEveryTransport() throws {
        let help = try runTool("ibbench", ["help", "serve"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--once"))
        #expect(help.stdout.contains("Serve one test, TCP, UDP or RDMA"), "the --once help names every transport")
    }

    @Test func tokenAndTokenFileTogetherAreAUsageError() throws {
        let run = try runTool("ibbench", ["rdma", "10.0.0.2", "--token", "a", "--token-file", "/nonexistent"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("give --token or --token-file, not both"))
    }

    @Test func unreadableTokenFileIsOneLineAndExitTwo() throws {
        let run = try runTool("ibbench", ["rdma", "10.0.0.2", "--token-file", "/nonexistent/token"])
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("Error: /nonexistent/token"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    /// No device is an error like any other: a failed test in machine formats, not silence
    /// that a CI job would read as "0 tests, all passed".
    @Test(.enabled(if: hostHasNoRDMADevice, "needs a host without RDMA devices"))
    func noDeviceIsAFailedTestInEveryFormat() throws {
        let json = try runTool("ibbench", ["rdma", "127.0.0.1", "--format", "json"])
        #expect(json.status == 2)
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 3, "the run header, a start and a result: \(json.stdout)")
        #expect(lines.first?.contains("\"event\":\"run\"") == true)
        #expect(lines.dropFirst().first?.contains("\"event\":\"start\"") == true)
        #expect(lines.last?.contains("\"status\":\"error\"") == true, "\(json.stdout)")
        #expect(lines.last?.contains("no RDMA device") == true)

        let subunit = try runTool("ibbench", ["rdma", "127.0.0.1", "--format", "subunit"])
        #expect(subunit.status == 2)
        var decoder = PacketDecoder()
        decoder.feed(subunit.output)
        decoder.endOfInput()
        var packets: [Packet] = []
        while let event = decoder.next() { if case .packet(let p) = event { packets.append(p) } }
        #expect(packets.first?.status == .inProgress, "the test starts before it ends, so its duration is not negative")
        #expect(packets.last?.status == .fail)
        #expect(Set(packets.compactMap(\.testID)) == ["ibbench.rdma.write.bw"])
        let start = try #require(packets.first?.timestamp), end = try #require(packets.last?.timestamp)
        #expect(start <= end)
    }
}
