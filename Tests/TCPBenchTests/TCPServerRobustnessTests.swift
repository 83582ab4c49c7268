#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Testing
@testable import TCPBench

@Suite(.serialized) struct TCPServerRobustnessTests {
    @Test func busyServerSaysSo() throws {
        let server = try TestServer(maxClients: 1)
        defer { server.stop() }
        let holder = try RawClient(port: server.port)
        holder.send(ControlFrame.encode(.hello(software: "holder")))
        guard case .message(.challenge) = holder.receiveEvent() else { Issue.record("no challenge"); return }
        let (verdict, results, _) = try runCollecting(TCPRunRequest(test: server.options(.stream, duration: 0.2)))
        guard case .error(let text) = verdict else { Issue.record("expected busy error, got \(verdict)"); return }
        #expect(text.contains("server busy"))
        #expect(results.last?.status == .error)
    }

    @Test func tokenIsRequiredAndChecked() throws {
        let server = try TestServer(token: "s3cret")
        defer { server.stop() }
        var o = server.options(.stream, duration: 0.2)
        let (none, _, _) = try runCollecting(TCPRunRequest(test: o))
        guard case .error(let t1) = none else { Issue.record("accepted without token"); return }
        #expect(t1.contains("requires a token"))
        o.token = "wrong"
        let (wrong, _, _) = try runCollecting(TCPRunRequest(test: o))
        guard case .error(let t2) = wrong else { Issue.record("accepted a wrong token"); return }
        #expect(t2.contains("token rejected"))
        o.token = "s3cret"
        let (right, _, _) = try runCollecting(TCPRunRequest(test: o))
        #expect(right == .passed)
    }

    @Test func garbageGetsAnErrorAndTheServerCarriesOn() throws {
        let server = try TestServer()
        defer { server.stop() }
        let raw = try RawClient(port: server.port)
        raw.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        guard case .message(.error(let text)) = raw.receiveEvent() else { Issue.record("no error frame"); return }
        #expect(text.contains("not an ibbench control frame"))
        let (verdict, _, _) = try runCollecting(TCPRunRequest(test: server.options(.rr, duration: 0.2)))
        #expect(verdict == .passed)
    }

    @Test func otherProtocolVersionGetsAClearError() throws {
        let server = try TestServer()
        defer { server.stop() }
        let raw = try RawClient(port: server.port)
        var hello = ControlFrame.encode(.hello(software: "future"))
        hello[2] = 2
        raw.send(hello)
        guard case .message(.error(let text)) = raw.receiveEvent() else { Issue.record("no error frame"); return }
        #expect(text.contains("version 2 not supported"))
    }

    @Test func silentClientIsDroppedAndOthersAreServed() throws {
        let server = try TestServer(maxClients: 1)
        defer { server.stop() }
        let silent = try RawClient(port: server.port)
        // A connection that never says anything does not count against --max-clients…
        let (verdict, _, _) = try runCollecting(TCPRunRequest(test: server.options(.stream, duration: 0.2)))
        #expect(verdict == .passed)
        // …and is closed after the first-frame deadline (10 s).
        let t0 = monotonicNanos()
        let closed = silent.closedByPeer()
        #expect(closed)
        #expect(Double(monotonicNanos() - t0) / 1e9 < 12)
    }

    @Test func vanishingClientFreesItsSlot() throws {
        let server = try TestServer(maxClients: 1)
        defer { server.stop() }
        do {
            let raw = try RawClient(port: server.port)
            raw.send(ControlFrame.encode(.hello(software: "x")))
            _ = raw.receiveEvent()
        }   // closed here, mid-handshake
        usleep(200_000)
        let (verdict, _, _) = try runCollecting(TCPRunRequest(test: server.options(.stream, duration: 0.2)))
        #expect(verdict == .passed)
    }

    @Test func attachToUnknownSessionIsRefused() throws {
        let server = try TestServer()
        defer { server.stop() }
        let raw = try RawClient(port: server.port)
        raw.send(ControlFrame.encode(.attach(session: [1, 2, 3], stream: 0)))
        guard case .message(.error(let text)) = raw.receiveEvent() else { Issue.record("no error frame"); return }
        #expect(text.contains("unknown session"))
    }

    @Test func unreachablePeerIsAnErrorNotAHang() throws {
        var o = TCPTestOptions(peer: "127.0.0.1")
        o.port = 1   // nothing listens on tcpmux
        o.duration = 0.2
        let t0 = monotonicNanos()
        let (verdict, results, _) = try runCollecting(TCPRunRequest(test: o))
        guard case .error(let text) = verdict else { Issue.record("expected an error"); return }
        #expect(text.contains("cannot connect (ECONNREFUSED)"))
        #expect(results.last?.status == .error)
        #expect(monotonicNanos() - t0 < 5_000_000_000)
    }
}
