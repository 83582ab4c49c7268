#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import CDatagrams

/// One UDP data thread's measurement, client or server side.
struct UDPLoopResult: Sendable {
    /// Datagrams sent (client stream) or received (server stream, both rr ends: answered).
    var datagrams: UInt64 = 0
    var bytes: UInt64 = 0
    var startNanos: UInt64 = 0
    var endNanos: UInt64 = 0
    /// First unexpected errno (0: ended cleanly; ECANCELED: told to stop).
    var errno: Int32 = 0
    var cpu = CPUTime()
    /// Stream receiver: sequence accounting and jitter.
    var sequence = SequenceTracker()
    var jitterNanos: Double = 0
    /// Client stream: sends the kernel refused for lack of buffer space (ENOBUFS, EAGAIN).
    var sendsRefused: UInt64 = 0
    /// rr client: requests whose response did not come within the loss timeout, and
    /// responses that came after it.
    var lostTransactions: UInt64 = 0
    var lateResponses: UInt64 = 0
    var transactions: UInt64 = 0
    var latency: LatencyHistogram?

    var seconds: Double { endNanos > startNanos ? Double(endNanos - startNanos) / 1e9 : 0 }
}

/// Sleeps until `target` (monotonic), or not at all when it has passed.
@inline(__always)
private func sleep(until target: UInt64) {
    let now = monotonicNanos()
    guard target > now else { return }
    var t = timespec(tv_sec: Int(((target - now) / 1_000_000_000)), tv_nsec: Int((target - now) % 1_000_000_000))
    _ = nanosleep(&t, nil)
}

/// Sends `buffer`-sized datagrams on the connected socket `fd`, each stamped with its sequence
/// number and send time, until `endNanos`. With `bitsPerSecond` above 0 sends are paced on
/// an absolute schedule (a late send is made up by the next ones, so the average holds).
/// A send refused for buffer space is retried, as iperf3 does; one refused by the peer
/// (ICMP port unreachable) ends the loop.
func sendDatagrams(fd: CInt, buffer: UnsafeMutableRawBufferPointer, bitsPerSecond: Double, endNanos: UInt64,
                   progress: StreamProgress) -> UDPLoopResult {
    var r = UDPLoopResult()
    let cpu0 = CPUTime.thread()
    let size = buffer.count
    let nanosPerByte = bitsPerSecond > 0 ? 8e9 / bitsPerSecond : 0
    var now = monotonicNanos()
    r.startNanos = now
    var sequence: UInt64 = 0
    while now < endNanos {
        if progress.stop.load(ordering: .relaxed) { r.errno = ECANCELED; break }
        if nanosPerByte > 0 {
            let due = r.startNanos &+ UInt64(Double(r.bytes) * nanosPerByte)
            if due > now {
                // In slices, so that a stop is seen within 50 ms even at a very low rate.
                sleep(until: min(due, endNanos, now &+ 50_000_000))
                now = monotonicNanos()
                continue
            }
        }
        UDPWire.storeHeader(buffer.baseAddress!, sequence: sequence, sentNanos: now)
        let n = send(fd, buffer.baseAddress, size, 0)
        now = monotonicNanos()
        if n == size {
            sequence &+= 1
            r.bytes &+= UInt64(n)
            progress.bytes.wrappingAdd(UInt64(n), ordering: .relaxed)
        } else if n < 0 {
            let e = errno
            if e == EINTR { continue }
            if e == ENOBUFS || e == EAGAIN { r.sendsRefused &+= 1; sched_yield(); continue }
            r.errno = progress.failure(e)
            break
        }
    }
    r.endNanos = now
    r.datagrams = sequence
    r.cpu = CPUTime.thread() - cpu0
    return r
}

/// Receives a stream of `size`-byte datagrams (`receiveDatagrams`) into a batch of slots one
/// byte longer than its datagrams, so that a longer one shows as such. At most 256 KiB of
/// them, so that the kernel's copy lands in cache: 64 slots of 64 KiB datagrams (4 MiB)
/// missed it on every copy and lost to a one-buffer reader.
func receiveStream(fd: CInt, size: Int, hardStop: UInt64, quietAfter: UInt64? = nil,
                   progress: StreamProgress) -> UDPLoopResult {
    let slot = (size + 1 + 63) / 64 * 64
    let batch = min(Int(CDATAGRAMS_BATCH), max(1, 256 * 1024 / slot))
    let slots = makePayload(size: slot * batch)
    defer { slots.deallocate() }
    return receiveDatagrams(fd: fd, slots: slots, slotSize: slot, hardStop: hardStop, quietAfter: quietAfter,
                            progress: progress)
}

/// Receives stream datagrams until the socket is shut down (the end of the test: what is
/// queued is still read first), the stop flag or `hardStop`; with `quietAfter`, also at the
/// first receive timeout (the socket's SO_RCVTIMEO) after that time, which is how a
/// receiver that cannot be told the end, the client of a reverse stream, sees the sender
/// stop. Takes them in batches (recvmmsg), one syscall for all that is queued, where iperf3
/// makes one per datagram; each keeps the kernel's receive time, so jitter is what the wire
/// did, not the batching. After a batch that emptied the queue it waits as
/// `ReceiveCoalescing` says, on its own thread's timer; without kernel timestamps it does
/// not, since a datagram's receive time is then the time it was read. Measures from the
/// first datagram to the last.
func receiveDatagrams(fd: CInt, slots: UnsafeMutableRawBufferPointer, slotSize: Int, hardStop: UInt64,
                      quietAfter: UInt64?, progress: StreamProgress) -> UDPLoopResult {
    var r = UDPLoopResult()
    let cpu0 = CPUTime.thread()
    var jitter = JitterEstimator()
    let batch = min(Int(CDATAGRAMS_BATCH), slots.count / slotSize)
    let timestamped = cdatagrams_enable_timestamps(fd) == 0
    var coalescing: ReceiveCoalescing?
    var recent: RecentRate?
    if timestamped, let buffer = UDPSocket.receiveBufferBytes(fd) {
        coalescing = ReceiveCoalescing(batchBytes: batch * slotSize, bufferBytes: buffer)
        // The default slack (50 µs) would stretch a 100 µs wait by half.
        _ = cdatagrams_set_timer_slack(1_000)
    }
    var lengths = [Int](repeating: 0, count: batch)
    var received = [UInt64](repeating: 0, count: batch)
    receiving: while true {
        let n = lengths.withUnsafeMutableBufferPointer { l in
            received.withUnsafeMutableBufferPointer { t in
                cdatagrams_receive(fd, slots.baseAddress, slotSize, UInt32(batch), l.baseAddress, t.baseAddress)
            }
        }
        let now = monotonicNanos()
        if n < 0 {
            let e = errno
            if let quietAfter, e == EAGAIN || e == EWOULDBLOCK {
                if now >= quietAfter { break receiving }   // the sender has stopped
            } else if e != EINTR && e != ECONNREFUSED {    // ECONNREFUSED: an ICMP error, which the test outlives
                r.errno = progress.failure(e)
                break
            }
        }
        var bytes: UInt64 = 0
        for i in 0..<max(0, Int(n)) {
            let length = lengths[i]
            if length == 0 { break receiving }   // shut down: the test's end, or a stop
            let datagram = UnsafeRawPointer(slots.baseAddress! + i * slotSize)
            guard length >= UDPWire.headerSize, !UDPWire.isProbe(datagram, count: length) else { continue }
            if r.datagrams == 0 { r.startNanos = now; recent = RecentRate(startNanos: now) }
            r.datagrams &+= 1
            bytes &+= UInt64(length)
            let header = UDPWire.loadHeader(datagram)
            r.sequence.saw(header.sequence)
            jitter.saw(sentNanos: header.sentNanos, receivedNanos: timestamped && received[i] != 0 ? received[i] : now)
        }
        if bytes > 0 {
            r.endNanos = now
            r.bytes &+= bytes
            progress.bytes.wrappingAdd(bytes, ordering: .relaxed)
        }
        if progress.stop.load(ordering: .relaxed) { r.errno = ECANCELED; break }
        if now >= hardStop { r.errno = ETIMEDOUT; break }
        if let coalescing, n > 0, Int(n) < batch, let window = recent?.update(bytes: r.bytes, now: r.endNanos) {
            let wait = coalescing.waitNanos(bytes: window.bytes, nanos: window.nanos)
            if wait > 0 { sleep(until: now &+ min(wait, hardStop - now)) }
        }
    }
    if r.endNanos == 0 { r.startNanos = monotonicNanos(); r.endNanos = r.startNanos }
    r.jitterNanos = jitter.jitterNanos
    r.cpu = CPUTime.thread() - cpu0
    return r
}

/// The client side of UDP rr: a request stamped with the transaction counter, then the
/// response with the same counter, within the socket's receive timeout (SO_RCVTIMEO, the
/// loss timeout). A response that does not come is a lost transaction; one that comes after
/// its timeout is late and skipped.
func requestResponseDatagrams(fd: CInt, request: UnsafeMutableRawBufferPointer, response: UnsafeMutableRawBufferPointer,
                              responseSize: Int, endNanos: UInt64, hardStop: UInt64,
                              progress: StreamProgress) -> UDPLoopResult {
    var r = UDPLoopResult()
    let cpu0 = CPUTime.thread()
    let counterBytes = UDPWire.counterBytes(request: request.count, response: responseSize)
    var histogram = LatencyHistogram()
    var counter: UInt64 = 0
    var now = monotonicNanos()
    r.startNanos = now
    transactions: while now < endNanos && now < hardStop {
        if progress.stop.load(ordering: .relaxed) { r.errno = ECANCELED; break }
        withUnsafeBytes(of: counter.littleEndian) { c in
            request.baseAddress!.copyMemory(from: c.baseAddress!, byteCount: counterBytes)
        }
        let t0 = now
        let sent = send(fd, request.baseAddress, request.count, 0)
        if sent < 0 {
            let e = errno
            if e == EINTR || e == ENOBUFS || e == EAGAIN { now = monotonicNanos(); continue }
            r.errno = progress.failure(e)
            break
        }
        while true {
            let n = recv(fd, response.baseAddress, response.count, 0)
            if n > 0 {
                if n >= counterBytes && memcmp(response.baseAddress!, request.baseAddress!, counterBytes) == 0 {
                    now = monotonicNanos()
                    histogram.record(nanos: now &- t0)
                    r.transactions &+= 1
                    progress.transactions.wrappingAdd(1, ordering: .relaxed)
                    break
                }
                r.lateResponses &+= 1
                if monotonicNanos() >= hardStop { r.errno = ETIMEDOUT; break transactions }
                continue
            }
            if n == 0 { r.errno = progress.failure(ECONNRESET); break transactions }   // shut down
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN {
                r.lostTransactions &+= 1
                now = monotonicNanos()
                break
            }
            r.errno = progress.failure(e)
            break transactions
        }
        counter &+= 1
    }
    r.endNanos = monotonicNanos()
    r.datagrams = r.transactions
    r.bytes = r.transactions &* UInt64(request.count + responseSize)
    r.latency = histogram
    r.cpu = CPUTime.thread() - cpu0
    return r
}

/// The server side of UDP rr: answers each request with `response`, whose leading bytes
/// echo the request's counter, until the socket is shut down, the stop flag or `hardStop`.
func answerDatagrams(fd: CInt, request: UnsafeMutableRawBufferPointer, response: UnsafeMutableRawBufferPointer,
                     hardStop: UInt64, progress: StreamProgress) -> UDPLoopResult {
    var r = UDPLoopResult()
    let cpu0 = CPUTime.thread()
    r.startNanos = monotonicNanos()
    while true {
        let n = recv(fd, request.baseAddress, request.count, 0)
        if n > 0 {
            if !UDPWire.isProbe(request.baseAddress!, count: n) {
                response.baseAddress!.copyMemory(from: request.baseAddress!, byteCount: min(8, n, response.count))
                let sent = send(fd, response.baseAddress, response.count, 0)
                if sent < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED {
                    r.errno = progress.failure(errno)
                    break
                }
                r.transactions &+= 1
            }
        } else if n == 0 {
            break
        } else {
            let e = errno
            if e != EINTR && e != ECONNREFUSED { r.errno = progress.failure(e); break }
        }
        if progress.stop.load(ordering: .relaxed) { r.errno = ECANCELED; break }
        if monotonicNanos() >= hardStop { r.errno = ETIMEDOUT; break }
    }
    r.endNanos = monotonicNanos()
    r.datagrams = r.transactions
    r.cpu = CPUTime.thread() - cpu0
    return r
}
