#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// What one data thread shares with the control plane while it runs: live counters for
/// `--interval` reports and a stop flag, all relaxed atomics (no locks in the loop).
///
/// The loops wait in plain blocking calls, with no receive or send timeout: a timeout arms
/// and cancels a kernel timer on every wait, which on `rr` is every transaction. Whoever
/// stops a loop sets `stop` and then shuts its socket down (`shutdown(2)` wakes a blocked
/// call at once), so the call in progress fails or sees end of file and `failure` tells
/// the loop it was stopped.
package final class StreamProgress: Sendable {
    package init() {}

    package let bytes = Atomic<UInt64>(0)
    package let transactions = Atomic<UInt64>(0)
    package let stop = Atomic<Bool>(false)
    package let done = Atomic<Bool>(false)

    /// What a loop records for a failed call: ECANCELED once it was told to stop, else `e`.
    @inline(__always)
    package func failure(_ e: Int32) -> Int32 { stop.load(ordering: .relaxed) ? ECANCELED : e }
}

/// A page-aligned buffer of `size` bytes filled with a non-zero pattern (so nothing can
/// shortcut zero pages). Lives for the thread that uses it; deallocate after.
package func makePayload(size: Int) -> UnsafeMutableRawBufferPointer {
    let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, size), alignment: 4096)
    for i in 0..<b.count { b[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
    return b
}
