/// The datagrams of a UDP test's data path (docs/control-protocol.md, "UDP data path").
///
/// Each stream has its own server socket, whose port the server sends in `accepted`. The
/// client joins it with a probe, `ibkitUDP` · stream (u32) · session cookie, which the server
/// echoes once it has connected its socket to the prober: from then on the kernel drops
/// datagrams from anyone else. Stream datagrams start with a header, sequence number and
/// send time (u64 each, big-endian); rr requests start with the low bytes of a transaction
/// counter, which the response echoes.
enum UDPWire {
    static let magic: [UInt8] = Array("ibkitUDP".utf8)
    static let probeSize = 8 + 4 + 16
    /// Stream datagrams carry sequence number and send time: none can be shorter.
    static let headerSize = 16
    /// The largest UDP payload over IPv4 (65,535 − 20 − 8).
    static let maxDatagram = 65_507

    static func probe(session: [UInt8], stream: Int) -> [UInt8] {
        let s = UInt32(truncatingIfNeeded: stream)
        return magic + [UInt8(s >> 24), UInt8(s >> 16 & 0xff), UInt8(s >> 8 & 0xff), UInt8(s & 0xff)] + session
    }

    /// Whether the `count` bytes at `bytes` are a probe (a client's, or the server's echo).
    @inline(__always)
    static func isProbe(_ bytes: UnsafeRawPointer, count: Int) -> Bool {
        guard count == probeSize else { return false }
        for i in 0..<8 where bytes.load(fromByteOffset: i, as: UInt8.self) != magic[i] { return false }
        return true
    }

    /// rr: how many leading bytes of a request carry its transaction counter (and come back
    /// in the response). A 1-byte request still carries one, enough to tell a late response.
    static func counterBytes(request: Int, response: Int) -> Int { min(8, request, response) }

    @inline(__always)
    static func storeHeader(_ buffer: UnsafeMutableRawPointer, sequence: UInt64, sentNanos: UInt64) {
        buffer.storeBytes(of: sequence.bigEndian, as: UInt64.self)
        buffer.storeBytes(of: sentNanos.bigEndian, toByteOffset: 8, as: UInt64.self)
    }

    @inline(__always)
    static func loadHeader(_ buffer: UnsafeRawPointer) -> (sequence: UInt64, sentNanos: UInt64) {
        (UInt64(bigEndian: buffer.loadUnaligned(as: UInt64.self)),
         UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
    }
}

/// What a receiver makes of a stream's sequence numbers, as iperf3 counts them: a jump ahead
/// counts the skipped datagrams as lost; one that arrives behind the highest seen is out of
/// order, and no longer lost.
struct SequenceTracker: Sendable, Equatable {
    private(set) var received: UInt64 = 0
    private(set) var lost: UInt64 = 0
    private(set) var outOfOrder: UInt64 = 0
    private var next: UInt64 = 0

    @inline(__always)
    mutating func saw(_ sequence: UInt64) {
        received &+= 1
        if sequence >= next {
            lost &+= sequence - next
            next = sequence &+ 1
        } else {
            outOfOrder &+= 1
            if lost > 0 { lost -= 1 }
        }
    }
}

/// Interarrival jitter as RFC 3550 (A.8) and iperf3 compute it: the running mean, gain
/// 1/16, of the change in transit time between consecutive datagrams. Sender and receiver
/// clocks need not agree: their offset cancels in the difference.
struct JitterEstimator: Sendable {
    private(set) var jitterNanos: Double = 0
    private var lastTransit: Int64?

    @inline(__always)
    mutating func saw(sentNanos: UInt64, receivedNanos: UInt64) {
        let transit = Int64(bitPattern: receivedNanos &- sentNanos)
        if let last = lastTransit {
            let d = Double((transit &- last).magnitude)
            jitterNanos += (d - jitterNanos) / 16
        }
        lastTransit = transit
    }
}
