#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Foundation
import Testing
@testable import UDPBench

/// The stream receiver's wait between batches, and the buffer it is sized against.
@Suite struct ReceiveCoalescingTests {
    /// A 256 KiB batch, and 2 MiB as the kernel reports a 1 MiB request.
    private let coalescing = ReceiveCoalescing(batchBytes: 256 << 10, bufferBytes: 2 << 20)

    @Test func noRateYetMeansNoWait() {
        #expect(coalescing.waitNanos(bytes: 0, nanos: 1_000) == 0)
        #expect(coalescing.waitNanos(bytes: 1_000, nanos: 0) == 0)
        #expect(ReceiveCoalescing(batchBytes: 256 << 10, bufferBytes: 0).waitNanos(bytes: 1_000, nanos: 1_000) == 0)
    }

    @Test func aSlowStreamWaitsTheMaximum() {
        // 1 Mbit/s: a batch takes two seconds to arrive.
        #expect(coalescing.waitNanos(bytes: 125_000, nanos: 1_000_000_000) == ReceiveCoalescing.maxWaitNanos)
    }

    @Test func theWaitIsOneBatchAtTheRateSeen() {
        // 256 KiB at 8 GB/s (8 bytes a nanosecond) arrives in 32.8 µs.
        #expect(coalescing.waitNanos(bytes: 8_000_000_000, nanos: 1_000_000_000) == UInt64(Double(256 << 10) / 8))
    }

    @Test func aSmallBufferShortensTheWait() {
        // A quarter of the default 208 KiB (52 KiB) is less than the batch: it sets the wait.
        let small = ReceiveCoalescing(batchBytes: 256 << 10, bufferBytes: 212_992)
        #expect(small.waitNanos(bytes: 1_000_000_000, nanos: 1_000_000_000) == UInt64(212_992 / 4))
        // At 6 GB/s that is under 10 µs, too short to pay.
        #expect(small.waitNanos(bytes: 6_000_000_000, nanos: 1_000_000_000) == 0)
    }

    /// A second at 4 GB/s, then 20 ms at 16 GB/s: the window holds only the fast part, and the
    /// wait is under a third of what the average since the start would give.
    @Test func theWaitFollowsARateThatJumps() {
        let ms: UInt64 = 1_000_000
        var rate = RecentRate(startNanos: 5 * ms)
        var bytes: UInt64 = 0
        var now = 5 * ms
        var window = (bytes: UInt64(0), nanos: UInt64(0))
        for _ in 0..<1000 { now += ms; bytes += 4_000_000; window = rate.update(bytes: bytes, now: now) }
        #expect(window.nanos >= RecentRate.spanNanos && window.nanos < 2 * RecentRate.spanNanos)
        #expect(window.bytes / window.nanos == 4)
        for _ in 0..<20 { now += ms; bytes += 16_000_000; window = rate.update(bytes: bytes, now: now) }
        #expect(window.bytes / window.nanos == 16)
        let recentWait = coalescing.waitNanos(bytes: window.bytes, nanos: window.nanos)
        let averageWait = coalescing.waitNanos(bytes: bytes, nanos: now - 5 * ms)
        #expect(recentWait == UInt64(Double(256 << 10) / 16))
        #expect(averageWait > 3 * recentWait)
    }

    /// Until a span has passed the window is everything since the first datagram.
    @Test func theFirstWindowStartsAtTheFirstDatagram() {
        var rate = RecentRate(startNanos: 1_000)
        let w = rate.update(bytes: 40_000, now: 3_000)
        #expect(w.bytes == 40_000 && w.nanos == 2_000)
        #expect(coalescing.waitNanos(bytes: w.bytes, nanos: w.nanos) == UInt64(Double(256 << 10) / 20))
    }

    @Test func theRequestedBufferIsWhatTheWaitIsSizedAgainst() throws {
        let fd = socket(AF_INET, CInt(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        let s = Socket(adopting: fd)
        let before = try #require(UDPSocket.receiveBufferBytes(s.fd))
        try UDPSocket.askForStreamReceiveBuffer(s)
        let after = try #require(UDPSocket.receiveBufferBytes(s.fd))
        // The kernel caps the request at net.core.rmem_max, then doubles it for its bookkeeping.
        let cap = (try? String(contentsOfFile: "/proc/sys/net/core/rmem_max", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if let cap {
            #expect(after == 2 * min(UDPSocket.streamReceiveBuffer, cap))
        } else {
            #expect(after >= before)
        }
    }
}
