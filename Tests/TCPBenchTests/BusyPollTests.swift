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

    /// How many times the calling thread has slept (blocked) so far: the kernel counts a
    /// voluntary context switch each time a thread gives up the CPU to wait, and an
    /// involuntary one when it is preempted, however busy the machine is. getrusage(2) with
    /// RUSAGE_THREAD (1; GNU, not imported) reads it without blocking itself.
    private func voluntarySwitches() -> Int {
        var usage = rusage()
        _ = getrusage(1, &usage)
        return usage.ru_nvcsw
    }

    /// Waits 300 ms for four bytes that another thread sends late, and returns what arrived and
    /// how often the waiting thread slept meanwhile.
    private func receiveLate(busyPoll: Bool) throws -> (status: Int, bytes: [UInt8], sleeps: Int) {
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
        let before = voluntarySwitches()
        let status = receiveExactly(fd: a, buffer, count: 4, progress: StreamProgress(),
                                    hardStop: monotonicNanos() + 5_000_000_000, busyPoll: busyPoll, error: &err)
        let after = voluntarySwitches()
        return (status, Array(buffer), after - before)
    }

    @Test func busyPollReceivesWithoutSleeping() throws {
        let polled = try receiveLate(busyPoll: true)
        #expect(polled.status == 0 && polled.bytes == [1, 2, 3, 4])
        // Spinning (recv with MSG_DONTWAIT, sched_yield) never blocks: preemption on a busy
        // machine counts as involuntary. A blocking recv sleeps until the data comes.
        #expect(polled.sleeps == 0, "busy-poll slept \(polled.sleeps) times while waiting")
        let slept = try receiveLate(busyPoll: false)
        #expect(slept.status == 0 && slept.bytes == [1, 2, 3, 4])
        #expect(slept.sleeps >= 1, "a blocking wait slept \(slept.sleeps) times")
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
