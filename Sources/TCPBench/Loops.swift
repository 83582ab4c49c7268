#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Synchronization

/// When a loop stops: at `endNanos` (0: no time limit), after `byteLimit` bytes (0: none), or at
/// `hardStopNanos` whatever happens; measurement starts `omitNanos` after the first byte.
struct LoopLimits: Sendable {
    var endNanos: UInt64 = 0
    var byteLimit: UInt64 = 0
    var omitNanos: UInt64 = 0
    var hardStopNanos: UInt64 = .max
}

/// One data thread's measurement.
struct LoopResult: Sendable {
    /// Bytes moved inside the measurement window.
    var bytes: UInt64 = 0
    var transactions: UInt64 = 0
    /// Measurement window, `monotonicNanos()`.
    var startNanos: UInt64 = 0
    var endNanos: UInt64 = 0
    /// First unexpected errno (0: ended cleanly; ECANCELED: told to stop).
    var errno: Int32 = 0
    var cpu = CPUTime()
    var tcp = TCPStats()
    var latency: LatencyHistogram?

    var seconds: Double { endNanos > startNanos ? Double(endNanos - startNanos) / 1e9 : 0 }
}

/// How long one blocking send may wait before the loop looks at the clock again.
let sendWaitMicros = 50_000

/// Sends `buffer` (or, with `sendfileFrom`, the same bytes from a file with sendfile(2), which
/// hands page references to the socket instead of copying) until the limits say stop, then
/// half-closes. Runs on its own thread: no allocation, locks or logging inside the loop.
///
/// A send blocks for at most `sendWaitMicros` (SO_SNDTIMEO), then returns what it has sent:
/// a 1 MiB write into a small window (`--window 4K`) or a stalled peer would otherwise hold
/// the loop for many seconds past its end.
func sendLoop(fd: CInt, buffer: UnsafeRawBufferPointer, sendfileFrom file: CInt?, limits: LoopLimits,
              progress: StreamProgress) -> LoopResult {
    var r = LoopResult()
    let cpu0 = CPUTime.thread()
    let size = buffer.count
    var wait = timeval(tv_sec: 0, tv_usec: sendWaitMicros)
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
    var now = monotonicNanos()
    r.startNanos = now
    let omitEnd = limits.omitNanos > 0 ? now &+ limits.omitNanos : 0
    var measuring = omitEnd == 0
    var total: UInt64 = 0
    while true {
        if limits.endNanos != 0 && now >= limits.endNanos { break }
        if now >= limits.hardStopNanos { break }
        if !measuring && now >= omitEnd { measuring = true; r.startNanos = now; r.bytes = 0 }
        if progress.stop.load(ordering: .relaxed) { r.errno = ECANCELED; break }
        var want = size
        if limits.byteLimit != 0 {
            let left = limits.byteLimit &- total
            if left == 0 { break }
            if UInt64(want) > left { want = Int(left) }
        }
        let n: Int
        if let file {
            var offset = off_t(0)
            n = sendfile(fd, file, &offset, want)
        } else {
            n = send(fd, buffer.baseAddress, want, CInt(MSG_NOSIGNAL))
        }
        now = monotonicNanos()
        if n > 0 {
            total &+= UInt64(n)
            r.bytes &+= UInt64(n)
            progress.bytes.wrappingAdd(UInt64(n), ordering: .relaxed)
        } else if n < 0 {
            let e = errno
            if e == EINTR || e == EAGAIN { continue }   // EAGAIN: the send wait passed with nothing sent
            r.errno = progress.failure(e)
            break
        }
    }
    r.endNanos = monotonicNanos()
    r.tcp = TCPStats.read(fd: fd)
    shutdown(fd, CInt(SHUT_WR))
    r.cpu = CPUTime.thread() - cpu0
    return r
}

/// Receives into `buffer` until EOF, measuring from the first byte; stops early when stopped
/// or at the hard stop. Same hot-loop rules as `sendLoop`. After the first read, each recv
/// waits for a whole buffer (MSG_WAITALL; a shutdown or the sender's end still ends it early,
/// with what arrived), so the receiver makes one syscall per buffer instead of one per wakeup.
///
/// The first read takes whatever is there: its return is the first byte's arrival, where the
/// measurement starts. Were it a whole buffer, the window would start when the first buffer
/// had filled while counting its bytes, and a run of a few large buffers (`--size 64M`) would
/// show a rate far too high, or no time and no bytes at all.
///
/// SO_RCVLOWAT at the buffer's size keeps the kernel from waking the receiver for every
/// segment that MSG_WAITALL would only put back to sleep: without it, each 64 KiB loopback
/// segment costs the sending CPU a wake-up (an inter-processor interrupt; on a VM, an exit),
/// and the sender is what limits a stream. Linux grows the receive buffer to hold the mark
/// and lets autotuning lift the window clamp it sets (a 9.8 MB window was seen with a 1 MiB
/// mark on veth); with a closing window or a shutdown it wakes the receiver anyway. A kernel
/// without it only loses the gain.
func receiveLoop(fd: CInt, buffer: UnsafeMutableRawBufferPointer, limits: LoopLimits,
                 progress: StreamProgress) -> LoopResult {
    var r = LoopResult()
    let cpu0 = CPUTime.thread()
    var first = true
    var omitEnd: UInt64 = 0
    var measuring = limits.omitNanos == 0
    r.startNanos = monotonicNanos()
    while true {
        let n = recv(fd, buffer.baseAddress, buffer.count, first ? 0 : CInt(MSG_WAITALL))
        let now = monotonicNanos()
        if n > 0 {
            if first {
                first = false
                r.startNanos = now
                omitEnd = now &+ limits.omitNanos
                var lowWater = CInt(clamping: buffer.count)
                _ = setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowWater, socklen_t(MemoryLayout<CInt>.size))
            }
            // After the mark: a watcher that sees bytes counted sees the mark set.
            progress.bytes.wrappingAdd(UInt64(n), ordering: .relaxed)
            if !measuring && now >= omitEnd {
                // This read's bytes came in before `now`: the window starts after them.
                measuring = true
                r.startNanos = now
                r.bytes = 0
            } else {
                r.bytes &+= UInt64(n)
            }
            r.endNanos = now
        } else if n == 0 {
            r.errno = progress.failure(0)
            break
        } else {
            let e = errno
            if e != EINTR { r.errno = progress.failure(e); break }
        }
        if progress.stop.load(ordering: .relaxed) { r.errno = ECANCELED; break }
        if now >= limits.hardStopNanos { r.errno = ETIMEDOUT; break }
    }
    if r.endNanos == 0 { r.endNanos = r.startNanos }
    r.tcp = TCPStats.read(fd: fd)
    r.cpu = CPUTime.thread() - cpu0
    return r
}

/// Sends exactly `count` bytes from `buffer`; false on error or stop. Hot-loop safe.
@inline(__always)
func sendExactly(fd: CInt, _ buffer: UnsafeRawBufferPointer, count: Int, progress: StreamProgress,
                 error: inout Int32) -> Bool {
    var off = 0
    while off < count {
        let n = send(fd, buffer.baseAddress! + off, count - off, CInt(MSG_NOSIGNAL))
        if n > 0 { off += n; continue }
        let e = errno
        if e == EINTR { continue }
        // EAGAIN: the send timeout of a `crr` connection passed; go on unless stopped.
        if e == EAGAIN && !progress.stop.load(ordering: .relaxed) { continue }
        error = progress.failure(e)
        return false
    }
    return true
}

/// Receives exactly `count` bytes into `buffer`; 0 = got them, -1 = EOF before the first
/// byte (a clean end, unless the loop was stopped), -2 = error or stop (`error` says
/// which). Hot-loop safe.
///
/// With `busyPoll` the thread never sleeps in recv: it asks without waiting and, while nothing
/// is there, yields the CPU and asks again. The sender then has no sleeping thread to wake, which
/// spares a wake-up (an inter-processor interrupt, and on a VM an exit) per message; the cost is a
/// busy core. The yield keeps it correct when both ends share a CPU.
@inline(__always)
func receiveExactly(fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, count: Int,
                    progress: StreamProgress, hardStop: UInt64, busyPoll: Bool = false, error: inout Int32) -> Int {
    var off = 0
    let flags = busyPoll ? CInt(MSG_DONTWAIT) : 0
    while off < count {
        let n = recv(fd, buffer.baseAddress! + off, count - off, flags)
        if n > 0 { off += n; continue }
        if n == 0 {
            if off == 0 { return -1 }
            error = progress.failure(ECONNRESET)
            return -2
        }
        let e = errno
        if e == EINTR { continue }
        // EAGAIN: nothing there yet (busy polling) or the receive timeout of a `crr`
        // connection passed; go on unless stopped or out of time.
        if e == EAGAIN {
            if progress.stop.load(ordering: .relaxed) { error = ECANCELED; return -2 }
            if monotonicNanos() >= hardStop { error = ETIMEDOUT; return -2 }
            if busyPoll { sched_yield() }
            continue
        }
        error = progress.failure(e)
        return -2
    }
    return 0
}
