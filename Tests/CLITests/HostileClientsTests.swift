import Foundation
import TestProcesses
import Testing

/// One `ibbench serve` against a thousand clients that are no clients: they connect and
/// leave, send garbage, announce huge frames, hold connections silent, or trickle a byte a
/// second. A real test must pass during and after, the server's descriptors and memory
/// must come back, and none of it may be logged above info.
// Alone it takes about 15 s; beside the whole parallel suite on two cores, minutes.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct HostileClientsTests {
    /// Per test process, below the ephemeral range, clear of the other suites' offsets.
    static func port(_ offset: Int) -> Int { 10000 + Int(getpid() % 20000) + offset }

    /// A TCP connection to the server on 127.0.0.1, or nil when it was refused.
    static func connect(_ port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if ok != 0 { close(fd); return nil }
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Resident memory (KiB) and open descriptors of process `pid`.
    static func footprint(_ pid: Int32) throws -> (rss: Int, fds: Int) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let rss = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return (rss, try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count)
    }

    /// Polls for at most `seconds`; true when `condition` held.
    static func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }

    /// A real TCP test against the server: it must pass.
    static func realTest(_ port: Int, _ extra: [String] = []) throws -> ToolRun {
        try runTool("ibbench", ["tcp", "127.0.0.1", "--port", String(port), "-t", "0.3"] + extra, timeout: 60)
    }

    /// One wave of each kind; 500 clients.
    static func wave(_ port: Int) {
        for _ in 0..<200 { if let fd = connect(port) { close(fd) } }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            guard let fd = connect(port) else { continue }
            send(fd, (0..<Int.random(in: 1...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
            close(fd)
        }
        // Headers announcing 2^31 and 2^32 - 1 bytes of payload: the length field's largest.
        for length: UInt32 in [0x8000_0000, 0xFFFF_FFFF] {
            for _ in 0..<50 {
                guard let fd = connect(port) else { continue }
                send(fd, [0x69, 0x62, 1, 1] + withUnsafeBytes(of: length.bigEndian) { Array($0) })
                close(fd)
            }
        }
    }

    func survives(token: [String]) throws {
        let port = Self.port(token.isEmpty ? 8 : 9)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-hostile-\(getpid())-\(port).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let server = try ChildProcess(productPath("ibbench"),
                                      ["serve", "--bind", "127.0.0.1", "--port", String(port), "--max-clients", "4"] + token,
                                      stderr: log)
        defer { server.kill() }
        #expect(Self.eventually(10) { Self.connect(port).map { close($0); return true } ?? false }, "the server listens")
        // Warm up (the first real test and the first wave size the allocator's arenas), then
        // take the baseline.
        #expect(try Self.realTest(port, token).status == 0)
        Self.wave(port)
        #expect(Self.eventually(10) { (try? Self.footprint(server.pid).fds) ?? 99 <= 6 })
        let base = try Self.footprint(server.pid)
        let loggedBefore = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count

        Self.wave(port)
        Self.wave(port)
        // Silent holders and slowloris: they must not keep a real client out.
        let holders = (0..<150).compactMap { _ in Self.connect(port) }
        let slow = (0..<5).compactMap { _ in Self.connect(port) }
        let during = try Self.realTest(port, token)
        #expect(during.status == 0, "a real test while 155 connections are held: \(during.stderr)")
        for byte in [UInt8(0x69), 0x62, 1] {
            for fd in slow { Self.send(fd, [byte]) }
            Thread.sleep(forTimeInterval: 1)
        }
        let trickled = try Self.realTest(port, token)
        #expect(trickled.status == 0, "a real test while 5 clients trickle a byte a second: \(trickled.stderr)")
        // The server drops a connection that has not finished its handshake in time.
        let dropped = Self.eventually(30) {
            holders.allSatisfy { fd in
                var byte: UInt8 = 0
                return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
            }
        }
        #expect(dropped, "silent connections are closed by the server")
        for fd in holders + slow { close(fd) }

        let after = try Self.realTest(port, token)
        #expect(after.status == 0, "\(after.stderr)")
        let fdsBack = Self.eventually(10) { (try? Self.footprint(server.pid).fds) ?? 99 <= base.fds }
        #expect(fdsBack, "descriptors back to \(base.fds): \((try? Self.footprint(server.pid).fds) ?? -1)")
        let end = try Self.footprint(server.pid)
        #expect(Double(end.rss) <= Double(base.rss) * 1.1, "resident memory \(base.rss) KiB before, \(end.rss) KiB after")
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").dropFirst(loggedBefore)
        let loud = lines.filter { !$0.contains(" info ") && !$0.contains(" debug ") && !$0.contains(" trace ") }
        #expect(loud.isEmpty, "logged above info: \(loud.prefix(5))")
        #expect(lines.count < 50, "no line per bad client: \(lines.count) lines")
    }

    @Test func aThousandBadClientsLeaveNoTrace() throws { try survives(token: []) }

    @Test func withATokenTheyAreRefusedAsCheaply() throws { try survives(token: ["--token", "hostile-secret"]) }
}
