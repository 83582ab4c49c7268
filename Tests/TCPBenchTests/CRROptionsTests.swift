#if canImport(Glibc)
import Glibc
#endif
import BenchCore
@testable import TCPBench

import Testing

/// crr opens a connection per transaction; each must get the socket options the other modes'
/// connections get, and a refused option must end the run with the same clear error.
@Suite struct CRROptionsTests {
    @Test(arguments: [TCPMode.stream, .rr, .crr])
    func anUnknownCongestionControlIsTheSameClearErrorInEveryMode(mode: TCPMode) throws {
        let server = try TestServer()
        defer { server.stop() }
        var o = server.options(mode, duration: 0.3)
        o.congestion = "nosuchcc"
        let (verdict, _, _) = try runCollecting(TCPRunRequest(test: o))
        guard case .error(let text) = verdict else { Issue.record("expected an error, got \(verdict)"); return }
        #expect(text.contains("(ENOENT); --congestion names an algorithm this kernel lacks"), "\(text)")
    }

    @Test func theLoopAppliesTheOptionsToEveryConnection() throws {
        // No probe before it, nobody listening: the option is refused before any connect.
        let options = try PreparedSocketOptions(SocketOptions(congestion: "nosuchcc"))
        let r = try runLoop(port: 1, options: options, seconds: 0.2)
        #expect(r.errno == ENOENT, "got \(r.errno)")
        #expect(r.transactions == 0)
    }

    @Test func theMSSReachesThePeerOfEachConnection() throws {
        let listener = try Socket.listen(on: try SocketAddress.resolve("127.0.0.1", port: 0, passive: true), device: nil)
        let port = try listener.localPort()
        let progress = StreamProgress()
        let options = try PreparedSocketOptions(SocketOptions(mss: 1000))
        let address = try SocketAddress.resolve("127.0.0.1", port: port)
        let loop = try BenchThread(name: "crr-test") {
            runLoop(address: address, options: options, seconds: 5, progress: progress)
        }
        // Answer one transaction; the segment size the accepted end may send is what the
        // client's SYN announced (loopback's own is about 65 KB).
        guard let accepted = try listener.accept(until: Deadline.after(seconds: 5)) else {
            Issue.record("the loop never connected")
            return
        }
        let request = try #require(try accepted.readSome(until: Deadline.after(seconds: 5)))
        #expect(!request.isEmpty)
        let maxSegment = try accepted.getInt(CInt(IPPROTO_TCP), TCP_MAXSEG)
        try accepted.writeAll([UInt8](repeating: 0, count: 1), until: Deadline.after(seconds: 5))
        progress.stop.store(true, ordering: .relaxed)
        let r = loop.join()
        #expect(maxSegment <= 1000, "TCP_MAXSEG of the accepted connection: \(maxSegment)")
        #expect(r.transactions >= 1)
    }

    private func runLoop(port: UInt16, options: PreparedSocketOptions, seconds: Double,
                         progress: StreamProgress = StreamProgress()) throws -> LoopResult {
        runLoop(address: try SocketAddress.resolve("127.0.0.1", port: port), options: options, seconds: seconds,
                progress: progress)
    }

    private func runLoop(address: SocketAddress, options: PreparedSocketOptions, seconds: Double,
                         progress: StreamProgress) -> LoopResult {
        let request = makePayload(size: 8), response = makePayload(size: 1)
        defer { request.deallocate(); response.deallocate() }
        let now = monotonicNanos()
        let limits = LoopLimits(endNanos: now + UInt64(seconds * 1e9), hardStopNanos: now + UInt64((seconds + 5) * 1e9))
        return connectRequestResponseClientLoop(address: address, options: options, prefixed: UnsafeRawBufferPointer(request),
                                                response: response, limits: limits, progress: progress)
    }
}
