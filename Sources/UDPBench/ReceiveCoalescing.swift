/// How long a stream receiver waits, once it has emptied its socket, before it blocks on it
/// again: user-space interrupt moderation.
///
/// A receiver that blocks as soon as its queue is empty is woken for nearly every datagram.
/// Where the sender's CPU delivers the datagram (loopback; a NIC's softirq on that CPU), each
/// wake-up is an inter-processor interrupt charged to the sender, and the sender is what limits
/// a stream: on a 2-vCPU guest it held 64 KiB datagrams to about 40 Gbit/s, against about 60
/// when the receiver waited. While it waits the next datagrams queue up, to be taken in one
/// batch. Holding them costs the measurement nothing: a datagram's arrival time, for jitter, is
/// the kernel's timestamp, not the time it was read.
///
/// The wait is the time one batch (`batchBytes`, the receiver's slots) takes to arrive at the
/// recent rate (`RecentRate`): then the next call takes a full batch, and the data queued stays about the
/// size of the batch, so the copies stay in cache. A wait sized to a 4 MiB buffer instead left
/// the sender copying into pages out of cache, at half speed on some runs. The wait is also at most
/// the time a quarter of the receive buffer takes to fill, so that the queue does not overflow
/// while the receiver sleeps, and at most `maxWaitNanos`. Below `minWaitNanos` (a small buffer,
/// a fast stream) it does not wait: a sleep that short costs more than the wake-up it saves.
struct ReceiveCoalescing: Sendable, Equatable {
    static let maxWaitNanos: UInt64 = 100_000
    static let minWaitNanos: UInt64 = 10_000

    /// The bytes one receive call can take.
    let batchBytes: Int
    /// The socket's receive buffer as the kernel accounts it (SO_RCVBUF as read back).
    let bufferBytes: Int

    /// The wait after a batch that emptied the queue, given the bytes received so far over
    /// `nanos`; 0 when there is no rate yet or the wait would be too short to pay.
    func waitNanos(bytes: UInt64, nanos: UInt64) -> UInt64 {
        guard bytes > 0, nanos > 0, batchBytes > 0, bufferBytes > 0 else { return 0 }
        let fill = Double(min(batchBytes, bufferBytes / 4)) * Double(nanos) / Double(bytes)
        guard fill >= Double(Self.minWaitNanos) else { return 0 }
        return min(Self.maxWaitNanos, UInt64(fill))
    }
}

/// The receive rate over the last 10 to 20 ms, for `ReceiveCoalescing`: a stream that speeds up
/// late (a sender that was starved at first) is waited for at its new rate within 20 ms. Sized
/// from the average since the first datagram, a stream ten times faster than its past would
/// wait ten times too long and could overflow the socket while the receiver slept.
struct RecentRate: Sendable {
    static let spanNanos: UInt64 = 10_000_000

    /// Where the window starts: a count of bytes and when it was reached.
    private var older: (bytes: UInt64, nanos: UInt64)
    /// The next start, once `spanNanos` has passed since it.
    private var newer: (bytes: UInt64, nanos: UInt64)

    /// From the first datagram's time, with nothing counted yet.
    init(startNanos: UInt64) {
        older = (0, startNanos)
        newer = older
    }

    /// Given `bytes` received in all by `now`, what arrived in the window and over how long.
    mutating func update(bytes: UInt64, now: UInt64) -> (bytes: UInt64, nanos: UInt64) {
        if now &- newer.nanos >= Self.spanNanos {
            older = newer
            newer = (bytes, now)
        }
        return (bytes &- older.bytes, now &- older.nanos)
    }
}
