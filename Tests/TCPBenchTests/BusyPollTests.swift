#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Testing
@testable import TCPBench

/// `--busy-poll`: the receive side polls instead of sleeping, and both ends of an rr run do it.
@Suite(.serialized) struct BusyPollTests {
    /// A connected stream socket pair; the test closes both ends.
    private func socketPair() throws -> (CInt, CInt) {
        var fds: [CInt] = [-1, -1]
        try #require(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, &fds) == 0)
        return (fds[0], fds[1])
    }

    /// Waits 300 ms for four bytes that another thread sends late, and returns what arrived and
    /// the CPU time the waiting thread used meanwhile.
    private func receiveLate(busyPoll: Bool) throws -> (status: Int, bytes: [UInt8], cpuNanos: UInt64) {
        let (a, b) = try socketPair()
        defer { close(a); close(b) }
        let sender = try BenchThread(name: "late-sender") {
            usleep(300_000)
            _ = [UInt8]([1, 2, 3, 4]).withUnsafeBytes { send(b, $0.baseAddress, 4, CInt(MSG_NOSIGNAL)) }
        }
        defer { sender.join() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4, alignment: 1)
        defer { buffer.deallocate() }
        var err: Int32 = 0
        let cpu0 = CPUTime.thread()
        let status = receiveExactly(fd: a, buffer, count: 4, progress: StreamProgress(),
                                    hardStop: monotonicNanos() + 5_000_000_000, busyPoll: busyPoll, error: &err)
        let cpu = CPUTime.thread() - cpu0
        return (status, Array(buffer), cpu.totalNanos)
    }

    @Test func busyPollReceivesWithoutSleeping() throws {
        let polled = try receiveLate(busyPoll: true)
        #expect(polled.status == 0 && polled.bytes == [1, 2, 3, 4])
        // Spinning for 300 ms costs CPU time even on a crowded machine; sleeping costs next to none.
        #expect(polled.cpuNanos > 30_000_000, "busy-poll used \(polled.cpuNanos / 1_000_000) ms of CPU while waiting")
        let slept = try receiveLate(busyPoll: false)
        #expect(slept.status == 0 && slept.bytes == [1, 2, 3, 4])
        #expect(slept.cpuNanos < 30_000_000, "a blocking wait used \(slept.cpuNanos / 1_000_000) ms of CPU")
    }

    @Test func busyPollStillHonoursTheStopFlagAndTheHardStop() throws {
        let (a, b) = try socketPair()
        defer { close(a); close(b) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
        defer { buffer.deallocate() }
        var err: Int32 = 0
        let stopped = StreamProgress()
        stopped.stop.store(true, ordering: .relaxed)
        #expect(receiveExactly(fd: a, buffer, count: 1, progress: stopped, hardStop: .max, busyPoll: true, error: &err) == -2)
        #expect(err == ECANCELED)
        let start = monotonicNanos()
        #expect(receiveExactly(fd: a, buffer, count: 1, progress: StreamProgress(), hardStop: start + 100_000_000,
                               busyPoll: true, error: &err) == -2)
        #expect(err == ETIMEDOUT)
        #expect(monotonicNanos() - start < 3_000_000_000)
    }

    @Test func busyPollRequestResponseRunsAtBothEnds() throws {
        let server = try TestServer()
        defer { server.stop() }
        var o = server.options(.rr)
        o.busyPoll = true
        let (verdict, results, _) = try runCollecting(TCPRunRequest(test: o))
        #expect(verdict == .passed)
        let r = try #require(results.last)
        #expect(r.parameters["busypoll"] == "1", "the option reaches the result and, through the plan, the server")
        let n = try #require(r.metric("transactions")?.value)
        #expect(n > 10)
        #expect(r.metric("transactions_served")?.value == n, "the server answered every request")
    }
}
