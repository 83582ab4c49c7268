import Foundation
import Testing

/// `ibbench rdma` against `ibbench serve` as separate processes on real verbs: the cases where
/// one side dies mid-run.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["RXEVM_GUEST"] == "1",
                             "needs an RDMA device: run through scripts/rxe-vm"))
struct RDMACLITests {
    let ip = ProcessInfo.processInfo.environment["RXEVM_IP"] ?? "10.200.0.1"

    /// Starts `ibbench serve --port` and waits (at most 10 s) until rdma_cm lists it as listening.
    func startServer(port: Int) throws -> Process {
        let p = Process()
        p.executableURL = productPath("ibbench")
        p.arguments = ["serve", "--port", String(port)]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(10)
        var listening = false
        while Date() < deadline && !listening {
            let ids = try rdmaCMIDs()
            listening = ids.split(separator: "\n").contains { $0.contains("LISTEN") && $0.contains(":\(port)") }
            if !listening { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(listening, "ibbench serve listening on \(port) within 10 s")
        return p
    }

    @Test func clientAgainstServeInEveryMode() throws {
        let server = try startServer(port: 7601)
        defer { server.terminate(); server.waitUntilExit() }
        for test in [["write", "bw"], ["read", "lat"], ["send", "lat"]] {
            let run = try runTool("ibbench", ["rdma", ip] + test + ["--server-port", "7601", "--size", "1K", "--iters", "200",
                                                                   "--validate", "--format", "json"], timeout: 60)
            #expect(run.status == 0, "\(run.stderr)")
            let json = try #require(resultLine(run.stdout))
            #expect(json["test"] as? String == "ibbench.rdma.\(test[0]).\(test[1])")
            #expect(json["status"] as? String == "success")
        }
    }

    @Test func serverKilledMidRunEndsTheClientWithPartialResults() throws {
        let server = try startServer(port: 7602)
        let client = Process()
        client.executableURL = productPath("ibbench")
        client.arguments = ["rdma", ip, "write", "bw", "--server-port", "7602", "--size", "64K", "-t", "60",
                            "--timeout", "3", "--format", "json"]
        let out = Pipe(), err = Pipe()
        client.standardOutput = out
        client.standardError = err
        try client.run()
        Thread.sleep(forTimeInterval: 3)
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        let started = Date()
        let killer = DispatchWorkItem { if client.isRunning { client.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: killer)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        client.waitUntilExit()
        killer.cancel()
        #expect(Date().timeIntervalSince(started) < 20, "the client noticed within 20 s, not after -t 60")
        #expect(client.terminationStatus == 2, "\(stderr)")
        #expect(stderr.hasPrefix("Error: \(ip):7602: "))
        #expect(stderr.split(separator: "\n").count == 1, "one line: \(stderr)")
        let json = try #require(resultLine(stdout))
        #expect(json["status"] as? String == "error", "partial result kept")
        #expect(((json["metrics"] as? [[String: Any]]) ?? []).contains { $0["name"] as? String == "throughput" })
    }

    @Test func clientKilledMidRunLeavesTheServerServing() throws {
        let server = try startServer(port: 7603)
        defer { server.terminate(); server.waitUntilExit() }
        let client = Process()
        client.executableURL = productPath("ibbench")
        client.arguments = ["rdma", ip, "send", "bw", "--server-port", "7603", "-t", "60"]
        client.standardOutput = FileHandle.nullDevice
        client.standardError = FileHandle.nullDevice
        try client.run()
        Thread.sleep(forTimeInterval: 3)
        kill(client.processIdentifier, SIGKILL)
        client.waitUntilExit()
        let run = try runTool("ibbench", ["rdma", ip, "write", "lat", "--server-port", "7603", "--iters", "100"], timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("ibbench.rdma.write.lat"))
        #expect(server.isRunning)
    }

    @Test func noDeviceRouteAndNoServerAreOneLineErrors() throws {
        let none = try runTool("ibbench", ["rdma", ip, "--server-port", "7699", "--iters", "10"], timeout: 30)
        #expect(none.status == 2)
        #expect(none.stderr.contains("start ibbench serve on the peer"))
        let dev = try runTool("ibbench", ["rdma", ip, "--dev", "mlx5_7", "--iters", "10"], timeout: 30)
        #expect(dev.status == 2)
        #expect(dev.stderr.contains("routes through rxe0, not mlx5_7"))
    }
}

/// `rdma res show cm_id`: the kernel's rdma_cm ids, one per line.
func rdmaCMIDs() throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["rdma", "res", "show", "cm_id"]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// The JSON line of a finished test (`--format json` also writes a line when a test starts).
func resultLine(_ stdout: String) -> [String: Any]? {
    stdout.split(separator: "\n").lazy
        .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        .first { $0["status"] != nil }
}
