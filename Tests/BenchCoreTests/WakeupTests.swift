#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import BenchCore

@Suite struct WakeupTests {
    /// Whether `fd` is readable now (poll with no wait).
    private func readable(_ fd: CInt) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) == 1
    }

    @Test func aSignalStaysPendingUntilDrained() throws {
        let w = try Wakeup()
        #expect(!readable(w.fd))
        w.signal()
        #expect(readable(w.fd))
        #expect(readable(w.fd), "looking does not take the signal")
        w.drain()
        #expect(!readable(w.fd))
        w.signal()
        #expect(readable(w.fd), "a signal after the drain wakes again")
    }

    /// A data thread signals as it ends and must never block there, however many signals the
    /// waiter has not drained yet.
    @Test func signalsBeyondTheBufferDoNotBlock() throws {
        let w = try Wakeup()
        for _ in 0..<1_000_000 { w.signal() }
        #expect(readable(w.fd))
        w.drain()
        #expect(!readable(w.fd))
    }

    @Test func aControlWaitEndsForTheWakeupAndStillReadsTheSocket() throws {
        var pair: [CInt] = [-1, -1]
        #expect(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, &pair) == 0)
        var channel = ControlChannel(socket: Socket(adopting: pair[0]))
        let w = try Wakeup()
        #expect(channel.receive(until: .after(seconds: 0.05), or: w) == .timedOut)
        w.signal()
        #expect(channel.receive(until: .after(seconds: 10), or: w) == nil)
        w.drain()
        let frame = ControlFrame.encode(.stop)
        #expect(frame.withUnsafeBytes { send(pair[1], $0.baseAddress, $0.count, 0) } == frame.count)
        #expect(channel.receive(until: .after(seconds: 10), or: w) == .event(.message(.stop)))
        close(pair[1])
        #expect(channel.receive(until: .after(seconds: 10), or: w) == .closed)
    }
}
