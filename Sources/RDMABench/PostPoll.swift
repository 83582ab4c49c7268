import CRDMA
import BenchCore

/// The preallocated state of one client run: per QP a linked list of `postList` send WRs with
/// their SGEs (built once, reposted as is), the completion array and the per-QP counters.
/// Nothing here is allocated once the clock starts.
struct DataPath: ~Copyable {
    let qpCount: Int
    let postList: Int
    let qps: UnsafeMutablePointer<UnsafeMutablePointer<ibv_qp>>
    let wrs: UnsafeMutablePointer<ibv_send_wr>
    let sges: UnsafeMutablePointer<ibv_sge>
    let posted: UnsafeMutablePointer<Int>
    let completed: UnsafeMutablePointer<Int>
    /// Flags every WR carries (inline or not); SIGNALED is added per post.
    let baseFlags: UInt32
    static let wcCapacity = 64
    let wc: UnsafeMutablePointer<ibv_wc>

    /// `remote[q]` is the peer's target area for QP `q` with its rkey.
    init(qps list: [UnsafeMutablePointer<ibv_qp>], graph: borrowing RCGraph, layout: BufferLayout,
         opcode: ibv_wr_opcode, remote: [(address: UInt64, key: UInt32)], postList: Int, inline: Bool) {
        qpCount = list.count
        self.postList = postList
        qps = .allocate(capacity: qpCount)
        qps.initialize(from: list, count: qpCount)
        wrs = .allocate(capacity: qpCount * postList)
        sges = .allocate(capacity: qpCount * postList)
        posted = .allocate(capacity: qpCount)
        posted.initialize(repeating: 0, count: qpCount)
        completed = .allocate(capacity: qpCount)
        completed.initialize(repeating: 0, count: qpCount)
        wc = .allocate(capacity: Self.wcCapacity)
        wc.initialize(repeating: ibv_wc(), count: Self.wcCapacity)
        baseFlags = inline ? IBV_SEND_INLINE.rawValue : 0
        for q in 0..<qpCount {
            for i in 0..<postList {
                let k = q * postList + i
                let slot = i % layout.slotCount
                sges[k] = ibv_sge(addr: graph.address(layout.local(qp: q, slot: slot)),
                                  length: UInt32(layout.messageSize), lkey: graph.lkey)
                var wr = ibv_send_wr()
                wr.wr_id = UInt64(q)
                wr.sg_list = sges + k
                wr.num_sge = 1
                wr.opcode = opcode
                wr.send_flags = baseFlags
                wr.next = i + 1 < postList ? wrs + k + 1 : nil
                wr.wr.rdma.remote_addr = remote[q].address + UInt64(slot * layout.slotSize)
                wr.wr.rdma.rkey = remote[q].key
                (wrs + k).initialize(to: wr)
            }
        }
    }

    deinit {
        qps.deallocate(); wrs.deallocate(); sges.deallocate()
        posted.deallocate(); completed.deallocate(); wc.deallocate()
    }
}

/// What a data loop measured, and why it stopped early if it did.
struct LoopOutcome {
    var messages = 0
    var nanos: UInt64 = 0
    var cpuNanos: UInt64 = 0
    var failure: LoopFailure?
}

/// How long a loop runs: a number of messages per QP, or a time counted from the loop's own start,
/// so that the duration it measures is never shorter than the one asked for.
enum LoopLength {
    case iterations(Int)
    case nanos(UInt64)
}

func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

/// Bandwidth: keep up to `txDepth` WRs outstanding on every QP, posting `postList` at a time and
/// signalling every `cqMod`-th; a signalled completion retires `cqMod` WRs of its QP.
/// Per QP the count is rounded up to a multiple of both, so every WR is accounted for.
func bandwidthLoop(_ path: borrowing DataPath, length: LoopLength, txDepth: Int, cqMod: Int,
                   poller: inout CompletionPoller, watch: inout PeerWatch) -> LoopOutcome {
    let unit = path.postList / gcd(path.postList, cqMod) * cqMod
    let signaled = IBV_SEND_SIGNALED.rawValue
    var outcome = LoopOutcome()
    var stopping = false
    let cpu0 = CPUTime.thread().totalNanos
    let start = monotonicNanos()
    var target = Int.max
    var end = UInt64.max
    switch length {
    case .iterations(let n): target = (n + unit - 1) / unit * unit
    case .nanos(let n): end = start + n
    }
    outer: while true {
        var active = false
        for q in 0..<path.qpCount {
            let list = path.wrs + q * path.postList
            while true {
                let p = path.posted[q]
                let more = stopping ? p % unit != 0 : p < target
                if !more || p - path.completed[q] + path.postList > txDepth { break }
                for i in 0..<path.postList {
                    list[i].send_flags = path.baseFlags | ((p + i + 1) % cqMod == 0 ? signaled : 0)
                }
                var bad: UnsafeMutablePointer<ibv_send_wr>?
                let r = ibv_post_send(path.qps[q], list, &bad)
                if r != 0 { outcome.failure = .post(r); break outer }
                path.posted[q] = p + path.postList
            }
            if path.completed[q] < path.posted[q] || (!stopping && path.posted[q] < target) { active = true }
        }
        if !active { break }
        let n = poller.poll()
        if n > 0 {
            for i in 0..<Int(n) {
                let wc = path.wc[i]
                if wc.status != IBV_WC_SUCCESS { outcome.failure = .completion(wc.status, qp: Int(wc.wr_id)); break outer }
                path.completed[Int(wc.wr_id)] &+= cqMod
            }
            watch.progress()
        } else if n < 0 {
            outcome.failure = .pollFailed; break
        } else if let f = watch.idle(every: poller.channel == nil ? 1024 : 1) {
            outcome.failure = f; break
        }
        if end != .max && !stopping && monotonicNanos() >= end { stopping = true }
    }
    outcome.nanos = monotonicNanos() - start
    outcome.cpuNanos = CPUTime.thread().totalNanos - cpu0
    for q in 0..<path.qpCount { outcome.messages += path.completed[q] }
    return outcome
}

/// Latency, one message at a time on QP 0, each round trip recorded in nanoseconds.
/// - send: ping (SEND), wait for the server's SEND back in the posted receive, repost it.
/// - write: write the message with its last byte set to the turn number, then spin on the last
///   byte of the own target area until the server's write carries the same number back.
/// - read: one RDMA READ, wait for its completion.
func latencyLoop(_ path: borrowing DataPath, verb: RDMAVerb, length: LoopLength,
                 receive: UnsafeMutablePointer<ibv_recv_wr>, sendByte: UnsafeMutableRawPointer,
                 replyByte: UnsafeRawPointer, histogram: inout LatencyHistogram,
                 poller: inout CompletionPoller, watch: inout PeerWatch) -> LoopOutcome {
    let qp = path.qps[0]
    let wr = path.wrs
    var outcome = LoopOutcome()
    let cpu0 = CPUTime.thread().totalNanos
    let start = monotonicNanos()
    var target = Int.max
    var end = UInt64.max
    switch length {
    case .iterations(let n): target = n
    case .nanos(let n): end = start + n
    }
    var turn = 0
    // Writes are signalled every 16th turn (their completions only free the send queue).
    let signaled = IBV_SEND_SIGNALED.rawValue
    var unreaped = 0
    outer: while turn < target {
        let t0 = monotonicNanos()
        if t0 >= end { break }
        turn += 1
        // Turn numbers cycle through 1...255: the target area starts zeroed, so 0 is never waited for.
        let mark = UInt8(truncatingIfNeeded: (turn - 1) % 255 + 1)
        var needRecv = false, needSendCompletion = false, needReply = false
        switch verb {
        case .send:
            wr.pointee.send_flags = path.baseFlags | signaled
            needRecv = true
            unreaped += 1
        case .write:
            sendByte.storeBytes(of: mark, as: UInt8.self)
            let signal = turn % 16 == 0
            wr.pointee.send_flags = path.baseFlags | (signal ? signaled : 0)
            if signal { unreaped += 1 }
            needReply = true
        case .read:
            wr.pointee.send_flags = signaled
            needSendCompletion = true
            unreaped += 1
        }
        var bad: UnsafeMutablePointer<ibv_send_wr>?
        let r = ibv_post_send(qp, wr, &bad)
        if r != 0 { outcome.failure = .post(r); turn -= 1; break }
        while needRecv || needSendCompletion || needReply {
            if needReply && crdma_load_volatile_u8(replyByte) == mark { needReply = false; watch.progress(); continue }
            let n = (verb == .write && unreaped == 0) ? 0 : poller.poll()
            if n > 0 {
                for i in 0..<Int(n) {
                    let wc = path.wc[i]
                    if wc.status != IBV_WC_SUCCESS { outcome.failure = .completion(wc.status, qp: 0); turn -= 1; break outer }
                    if wc.opcode == IBV_WC_RECV { needRecv = false } else { unreaped -= 1; needSendCompletion = false }
                }
                watch.progress()
            } else if n < 0 {
                outcome.failure = .pollFailed; turn -= 1; break outer
            } else if let f = watch.idle(every: poller.channel == nil ? 4096 : 1) {
                outcome.failure = f; turn -= 1; break outer
            }
        }
        let t1 = monotonicNanos()
        histogram.record(nanos: t1 &- t0)
        if verb == .send {
            var badRecv: UnsafeMutablePointer<ibv_recv_wr>?
            if ibv_post_recv(qp, receive, &badRecv) != 0 { outcome.failure = .post(-1); break }
        }
    }
    // Reap the last unsignalled writes' slots: wait for outstanding signalled completions.
    var drain = 0
    while unreaped > 0 && outcome.failure == nil && drain < 1_000_000 {
        let n = poller.poll()
        if n > 0 { for i in 0..<Int(n) where path.wc[i].opcode != IBV_WC_RECV { unreaped -= 1 } }
        else if n < 0 { break }
        drain += 1
    }
    outcome.nanos = monotonicNanos() - start
    outcome.cpuNanos = CPUTime.thread().totalNanos - cpu0
    outcome.messages = turn
    return outcome
}
