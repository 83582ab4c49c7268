#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Testing
@testable import TCPBench

/// `--window`: the test's data connections go to a listener of its own, whose buffers were set
/// before `listen`, so that the handshake agrees a window scale for that buffer.
@Suite(.serialized) struct WindowDataPortTests {
    /// Takes a control connection through hello and auth, then sends `setup` of `plan`; the reply.
    private func setUp(_ control: borrowing RawClient, _ plan: TestPlan) throws -> ControlFrameDecoder.Event? {
        control.send(ControlFrame.encode(.hello(software: "test")))
        guard case .message(.challenge) = control.receiveEvent() else { throw Failure.step("challenge") }
        control.send(ControlFrame.encode(.auth(proof: [])))
        guard case .message(.welcome) = control.receiveEvent() else { throw Failure.step("welcome") }
        control.send(ControlFrame.encode(.setup(plan)))
        return control.receiveEvent()
    }

    private enum Failure: Error { case step(String) }

    /// The window scale the far end offered in its SYN-ACK, as this end's TCP_INFO has it.
    private func peerWindowScale(_ fd: CInt) -> Int {
        var info = tcp_info()
        var len = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, CInt(IPPROTO_TCP), TCP_INFO, &info, &len) == 0 else { return -1 }
        return Int(info.tcpi_snd_wscale)
    }

    @Test func aWindowGetsAPortOfItsOwnThatEndsWithTheTest() throws {
        let server = try TestServer()
        defer { server.stop() }
        let plan = TestPlan(kind: "tcp.stream", duration: 0.2, options: ["window": "4096"])
        let control = try RawClient(port: server.port)
        let reply = try setUp(control, plan)
        guard case .message(.accepted(let session, let info)) = reply else {
            Issue.record("not accepted: \(String(describing: reply))"); return
        }
        let port = try #require(info["tcp-port"].flatMap { UInt16($0) })
        #expect(port != server.port)

        // The buffer was set before the handshake: the scale offered fits a 4 KiB buffer, not
        // the default one the server's own port offers.
        let data = try RawClient(port: port)
        let shared = try RawClient(port: server.port)
        #expect(peerWindowScale(data.fd) < peerWindowScale(shared.fd))
        #expect(peerWindowScale(data.fd) <= 1)

        data.send(ControlFrame.encode(.attach(session: session, stream: 0)))
        guard case .message(.ready) = control.receiveEvent() else { Issue.record("no ready after the attach"); return }

        // Its control connection gone, the test ends, and its port with it.
        shutdown(control.fd, CInt(SHUT_RDWR))
        var refused = false
        for _ in 0..<100 where !refused {
            refused = (try? RawClient(port: port)) == nil
            if !refused { usleep(50_000) }
        }
        #expect(refused, "the test's port still listens after the test ended")
    }

    @Test func aStrangerOnATestsPortIsRefused() throws {
        let server = try TestServer()
        defer { server.stop() }
        let control = try RawClient(port: server.port)
        let reply = try setUp(control, TestPlan(kind: "tcp.rr", duration: 0.2, options: ["window": "65536"]))
        guard case .message(.accepted(_, let info)) = reply, let port = info["tcp-port"].flatMap({ UInt16($0) }) else {
            Issue.record("no port of its own: \(String(describing: reply))"); return
        }
        let stranger = try RawClient(port: port)
        stranger.send(ControlFrame.encode(.attach(session: [1, 2, 3], stream: 0)))
        guard case .message(.error(let text)) = stranger.receiveEvent() else { Issue.record("no error frame"); return }
        #expect(text.contains("unknown session"))
    }

    @Test func withoutAWindowTheServersPortTakesTheData() throws {
        let server = try TestServer()
        defer { server.stop() }
        let control = try RawClient(port: server.port)
        let reply = try setUp(control, TestPlan(kind: "tcp.stream", duration: 0.2))
        guard case .message(.accepted(_, let info)) = reply else { Issue.record("not accepted"); return }
        #expect(info["tcp-port"] == nil)
    }

    @Test(arguments: ["99999999999", "-1", "0", "abc", "4K"])
    func aWindowOutOfRangeIsRefusedAndTheServerCarriesOn(window: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let control = try RawClient(port: server.port)
        let reply = try setUp(control, TestPlan(kind: "tcp.stream", duration: 0.2, options: ["window": window]))
        guard case .message(.error(let text)) = reply else { Issue.record("accepted window \(window)"); return }
        #expect(text.contains("window '\(window)' outside 1…1073741824"))
        let (verdict, _, _) = try runCollecting(TCPRunRequest(test: server.options(.rr, duration: 0.2)))
        #expect(verdict == .passed)
    }

    @Test func anMSSOutOfRangeIsRefused() throws {
        let server = try TestServer()
        defer { server.stop() }
        let control = try RawClient(port: server.port)
        let reply = try setUp(control, TestPlan(kind: "tcp.stream", duration: 0.2, options: ["mss": "4294967296"]))
        guard case .message(.error(let text)) = reply else { Issue.record("accepted the MSS"); return }
        #expect(text.contains("mss '4294967296' outside 88…32767"))
    }

    /// Every mode with a window, through the client: stream, the modes where the server sends,
    /// rr, and crr, whose every transaction connects to the test's port.
    @Test(arguments: [TCPMode.stream, .reverse, .bidir, .rr, .crr])
    func everyModeRunsOverTheTestsPort(mode: TCPMode) throws {
        let server = try TestServer()
        defer { server.stop() }
        var o = server.options(mode, duration: 0.3)
        o.window = 16384
        let (verdict, results, text) = try runCollecting(TCPRunRequest(test: o))
        #expect(verdict == .passed, "\(text)")
        let total = try #require(results.last)
        let counted = mode == .rr || mode == .crr ? "transactions" : "bytes_received"
        #expect((total.metrics.first { $0.name == counted }?.value ?? 0) > 0, "\(text)")
    }
}
