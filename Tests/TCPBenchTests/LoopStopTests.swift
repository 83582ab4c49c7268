#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import SystemPackage
import Testing
@testable import TCPBench

/// The data loops wait in blocking calls (the sender's give up every 50 ms to look at the
/// clock); a stop is the flag and then `shutdown(2)`. Each loop here waits on a connected
/// loopback peer that never answers (and, for the sender, never reads), and must end within
/// a second of being stopped.
@Suite(.timeLimit(.minutes(1))) struct LoopStopTests {
    enum Loop: String, CaseIterable, Sendable {
        case receive, send, requestResponseClient, requestResponseServer
    }

    private func run(_ loop: Loop, fd: CInt, progress: StreamProgress) -> LoopResult {
        let limits = LoopLimits(endNanos: monotonicNanos() + 60_000_000_000, hardStopNanos: .max)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0x5a)
        let one = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<1])
        switch loop {
        case .receive:
            return receiveLoop(fd: fd, buffer: buffer, limits: limits, progress: progress)
        case .send:
            return sendLoop(fd: fd, buffer: UnsafeRawBufferPointer(buffer), sendfileFrom: nil, limits: limits,
                            progress: progress)
        case .requestResponseClient:
            return requestResponseClientLoop(fd: fd, request: UnsafeRawBufferPointer(one), response: one,
                                             busyPoll: false, limits: limits, progress: progress)
        case .requestResponseServer:
            return requestResponseServerLoop(fd: fd, request: one, response: UnsafeRawBufferPointer(one),
                                             busyPoll: false, limits: limits, progress: progress)
        }
    }

    /// A write that cannot finish (a peer that does not read, as a tiny window makes one)
    /// does not hold the sender past its end time.
    @Test func aSenderEndsAtItsEndTimeThoughItsPeerDoesNotRead() throws {
        let (fd, peer) = try tcpLoopbackConnection()
        defer { close(fd); close(peer) }
        let progress = StreamProgress()
        let limits = LoopLimits(endNanos: monotonicNanos() + 300_000_000, hardStopNanos: .max)
        let thread = try BenchThread(name: "loop-send-end") {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            buffer.initializeMemory(as: UInt8.self, repeating: 0x5a)
            let r = sendLoop(fd: fd, buffer: UnsafeRawBufferPointer(buffer), sendfileFrom: nil, limits: limits, progress: progress)
            progress.done.store(true, ordering: .releasing)
            return r
        }
        // Bounded: a loop stuck in its send is freed by the stop below instead.
        for _ in 0..<1000 where !progress.done.load(ordering: .acquiring) { usleep(10_000) }
        let endedByItself = progress.done.load(ordering: .acquiring)
        if !endedByItself {
            progress.stop.store(true, ordering: .relaxed)
            shutdown(fd, CInt(SHUT_RDWR))
        }
        let result = thread.join()
        #expect(endedByItself, "the sender still waited in send 10 s after its end time")
        #expect(result.errno == 0, "\(Errno(rawValue: result.errno).symbol)")
        #expect(result.bytes > 0 && result.bytes < 1 << 30)
    }

    @Test(arguments: Loop.allCases)
    func stoppingWakesALoopWaitingOnASilentPeer(_ loop: Loop) throws {
        let (fd, peer) = try tcpLoopbackConnection()
        defer { close(fd); close(peer) }
        let progress = StreamProgress()
        let thread = try BenchThread(name: "loop-\(loop.rawValue)") { [self] in
            let r = run(loop, fd: fd, progress: progress)
            progress.done.store(true, ordering: .releasing)
            return r
        }
        // The sender fills both socket buffers within this time and then waits too.
        usleep(300_000)
        let endedEarly = progress.done.load(ordering: .acquiring)
        #expect(!endedEarly, "the \(loop) loop should still be waiting on its peer")
        let stoppedAt = monotonicNanos()
        progress.stop.store(true, ordering: .relaxed)
        shutdown(fd, CInt(SHUT_RDWR))
        let result = thread.join()
        let waited = Double(monotonicNanos() - stoppedAt) / 1e9
        #expect(waited < 1, "the \(loop) loop took \(waited) s to end after the stop")
        #expect(result.errno == ECANCELED, "a stopped loop says so, not \(Errno(rawValue: result.errno).symbol)")
    }

    @Test func aPeerThatEndsTheConnectionIsACleanEndWhenNotStopped() throws {
        let (fd, peer) = try tcpLoopbackConnection()
        defer { close(fd) }
        let progress = StreamProgress()
        let thread = try BenchThread(name: "loop-server") { [self] in run(.requestResponseServer, fd: fd, progress: progress) }
        shutdown(peer, CInt(SHUT_WR))
        close(peer)
        let result = thread.join()
        #expect(result.errno == 0)
        #expect(result.transactions == 0)
    }
}
