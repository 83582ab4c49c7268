#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import SystemCalls
import SystemPackage

/// The client side of `rr`: send a request, wait for the whole response, record the round
/// trip in the thread's histogram; repeat until the end time. Buffers come preallocated.
/// `busyPoll`: wait for responses without sleeping (see `receiveExactly`).
func requestResponseClientLoop(fd: CInt, request: UnsafeRawBufferPointer, response: UnsafeMutableRawBufferPointer,
                               busyPoll: Bool, limits: LoopLimits, progress: StreamProgress) -> LoopResult {
    var r = LoopResult()
    let cpu0 = CPUTime.thread()
    var timer = TransactionTimer(limits: limits, result: &r)
    var err: Int32 = 0
    while timer.now < limits.endNanos && timer.now < limits.hardStopNanos {
        if progress.stop.load(ordering: .relaxed) { r.errno = ECANCELED; break }
        let t0 = timer.now
        guard sendExactly(fd: fd, request, count: request.count, progress: progress, error: &err) else {
            r.errno = err; break
        }
        let got = receiveExactly(fd: fd, response, count: response.count, progress: progress,
                                 hardStop: limits.hardStopNanos, busyPoll: busyPoll, error: &err)
        if got != 0 { r.errno = got == -1 ? progress.failure(ECONNRESET) : err; break }
        timer.finished(startedAt: t0, &r, progress)
    }
    r.endNanos = monotonicNanos()
    r.bytes = r.transactions &* UInt64(request.count + response.count)
    r.tcp = TCPStats.read(fd: fd)
    shutdown(fd, CInt(SHUT_WR))
    r.cpu = CPUTime.thread() - cpu0
    r.latency = timer.histogram
    return r
}

/// The server side of `rr`: read a whole request, answer with a response, until the client
/// half-closes (a clean end), an error, the stop flag or the hard stop.
func requestResponseServerLoop(fd: CInt, request: UnsafeMutableRawBufferPointer, response: UnsafeRawBufferPointer,
                               busyPoll: Bool, limits: LoopLimits, progress: StreamProgress) -> LoopResult {
    var r = LoopResult()
    let cpu0 = CPUTime.thread()
    r.startNanos = monotonicNanos()
    var err: Int32 = 0
    while true {
        let got = receiveExactly(fd: fd, request, count: request.count, progress: progress,
                                 hardStop: limits.hardStopNanos, busyPoll: busyPoll, error: &err)
        if got == -1 { r.errno = progress.failure(0); break }   // the client's end, unless stopped
        if got == -2 { r.errno = err; break }
        guard sendExactly(fd: fd, response, count: response.count, progress: progress, error: &err) else {
            r.errno = err; break
        }
        r.transactions &+= 1
    }
    r.endNanos = monotonicNanos()
    r.bytes = r.transactions &* UInt64(request.count + response.count)
    r.tcp = TCPStats.read(fd: fd)
    r.cpu = CPUTime.thread() - cpu0
    return r
}

/// The client side of `crr`: for each transaction open a connection with `options` applied
/// (window, MSS, congestion control, device, local address, no-delay, as the other modes'
/// connections get them), send the attach frame and the request in one write, read the
/// response, close. `prefixed` holds frame + request. The connection setup goes through the
/// syscall funnel: its typed `Errno` throws allocate nothing.
func connectRequestResponseClientLoop(address: SocketAddress, options: PreparedSocketOptions, prefixed: UnsafeRawBufferPointer,
                                      response: UnsafeMutableRawBufferPointer, limits: LoopLimits,
                                      progress: StreamProgress) -> LoopResult {
    var r = LoopResult()
    let cpu0 = CPUTime.thread()
    var timer = TransactionTimer(limits: limits, result: &r)
    var err: Int32 = 0
    var tv = timeval(tv_sec: 0, tv_usec: 500_000)
    while timer.now < limits.endNanos && timer.now < limits.hardStopNanos {
        if progress.stop.load(ordering: .relaxed) { r.errno = ECANCELED; break }
        let t0 = timer.now
        let fd: CInt
        do throws(Errno) {
            fd = try sys { socket(address.family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0) }
        } catch { r.errno = error.rawValue; break }
        var ok = true
        do throws(Errno) {
            _ = try sys { setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size)) }
            _ = try sys { setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size)) }
            try options.apply(to: fd)
            _ = try sys(retryOnInterrupt: false) { address.withSockaddr { sa, len in connect(fd, sa, len) } }
        } catch {
            err = error.rawValue
            ok = false
        }
        if ok { ok = sendExactly(fd: fd, prefixed, count: prefixed.count, progress: progress, error: &err) }
        if ok {
            let got = receiveExactly(fd: fd, response, count: response.count, progress: progress,
                                     hardStop: limits.hardStopNanos, error: &err)
            if got == -1 { err = ECONNRESET }
            ok = got == 0
        }
        close(fd)
        if !ok { r.errno = err; break }
        timer.finished(startedAt: t0, &r, progress)
    }
    r.endNanos = monotonicNanos()
    r.bytes = r.transactions &* UInt64(prefixed.count + response.count)
    r.cpu = CPUTime.thread() - cpu0
    r.latency = timer.histogram
    return r
}

/// The timing both client request/response loops share: the warm-up (`--omit`) window, the
/// latency histogram, the transaction counts. A value on the loop's stack: nothing allocated.
struct TransactionTimer {
    /// When the last transaction ended (the loop's start before the first).
    private(set) var now: UInt64
    private let omitEnd: UInt64
    private var measuring: Bool
    private(set) var histogram = LatencyHistogram()

    init(limits: LoopLimits, result r: inout LoopResult) {
        now = monotonicNanos()
        r.startNanos = now
        omitEnd = now &+ limits.omitNanos
        measuring = limits.omitNanos == 0
    }

    /// Counts a transaction begun at `t0`; once the warm-up has passed, records its round trip
    /// (the first one after it restarts the window and the counts).
    @inline(__always)
    mutating func finished(startedAt t0: UInt64, _ r: inout LoopResult, _ progress: StreamProgress) {
        now = monotonicNanos()
        if !measuring && now >= omitEnd { measuring = true; r.startNanos = now; r.transactions = 0; histogram.reset() }
        if measuring { histogram.record(nanos: now &- t0) }
        r.transactions &+= 1
        progress.transactions.wrappingAdd(1, ordering: .relaxed)
    }
}
