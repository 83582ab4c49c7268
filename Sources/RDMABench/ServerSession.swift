import BenchCore
import CRDMA
import Logging
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// What the server's data loop counted, for its half of the results.
struct ServerTally: Equatable, Sendable {
    /// Messages received (send tests) and how many failed `--validate`.
    var received: UInt64
    var corrupt: UInt64
    /// CPU time of the data loop and its wall time, in nanoseconds.
    var cpuNanos: UInt64
    var wallNanos: UInt64
}

/// One client run on the server: its QPs, buffer and CQ (one `RCGraph`), and the loop that
/// serves it: counting (and with `--validate` checking) sends and reposting receives, and
/// answering send and write ping-pongs, until the client's end-of-run message.
struct ServerSession: ~Copyable {
    let spec: RDMATestSpec
    let subject: String
    let logger: Logger
    var graph: RCGraph
    /// Where QP 0's latency replies go on the client, from its connect request.
    private var replyAddress: UInt64 = 0
    private var replyKey: UInt32 = 0

    /// `channel`: the event channel the listener moves this run's cm_ids to.
    init(spec: RDMATestSpec, channel: UnsafeMutablePointer<rdma_event_channel>, subject: String, logger: Logger) {
        self.spec = spec
        self.subject = subject
        self.logger = logger
        graph = RCGraph(channel: channel)
    }

    private var layout: BufferLayout { spec.layout }
    /// QPs accepted so far.
    var acceptedQPs: Int { graph.ids.count }

    /// Send latency keeps 16 receives posted although one message is in flight: the client's next
    /// ping may arrive before a consumed receive is reposted, and a receiver-not-ready NAK costs
    /// the sender a retry timer (about a millisecond).
    private var receivesPerQP: Int {
        spec.verb != .send ? 1 : spec.mode == .lat ? 16 : layout.slotCount
    }

    /// Takes the QP's cm_id, makes the shared resources on the first one, creates the QP, posts its
    /// receives and accepts with the target area's address and rkey; waits for ESTABLISHED.
    mutating func accept(_ event: CMEvent, request: ConnectRequest) throws(RDMAError) {
        let id = event.id
        guard Int(request.qpIndex) == graph.ids.count, graph.ids.count < layout.qps else {
            reject(id, .badRequest)
            throw RDMAError(.connection, subject, "QP \(request.qpIndex) came out of order", next: "the client retries")
        }
        graph.adopt(id)
        let q = graph.ids.count - 1
        if q == 0 { replyAddress = request.replyAddress; replyKey = request.replyKey }
        do throws(RDMAError) {
            if graph.context == nil {
                guard let ctx = id.pointee.verbs else {
                    throw RDMAError(.noDevice, subject, "connect request without a device", next: "retry")
                }
                try graph.allocate(on: ctx, bytes: layout.totalBytes,
                                   cqEntries: layout.qps * (receivesPerQP + 70) + 8,
                                   events: spec.mode == .bw, hugePages: false)
                if spec.validate && spec.verb == .read {
                    for qp in 0..<layout.qps {
                        for s in 0..<layout.slotCount {
                            Pattern.fill(graph.base + layout.target(qp: qp, slot: s), count: layout.messageSize, qp: qp, slot: s)
                        }
                    }
                }
            }
            try graph.createQP(on: id, sendDepth: 64, recvDepth: receivesPerQP + 1, inline: spec.inlineSize, subject: subject)
            for s in 0..<receivesPerQP {
                do { try sysReturned { postReceive(q: q, slot: s) } } catch {
                    throw verbsFailure("ibv_post_recv", error, device: deviceName(graph.context!))
                }
            }
        } catch {
            ConnectReply(status: .noResources).encoded().withUnsafeBytes { _ = rdma_reject(id, $0.baseAddress, UInt8($0.count)) }
            throw error
        }
        let reply = ConnectReply(status: .accepted, targetAddress: graph.address(layout.target(qp: q, slot: 0)),
                                 key: graph.rkey)
        let params = graph.connectionParameters(initiatorDepth: event.responderResources, responderResources: event.initiatorDepth)
        do { try withPrivateData(params, reply.encoded()) { rdma_accept(id, &$0) } } catch {
            throw RDMAError(.connection, subject, "rdma_accept failed", errno: error, next: "the client retries")
        }
        _ = try expectCMEvent(RDMA_CM_EVENT_ESTABLISHED, on: graph.channel, peer: subject, seconds: 5)
    }

    private func postReceive(q: Int, slot: Int) -> Int32 {
        let qp = graph.ids[q].pointee.qp!
        let length = spec.verb == .send ? layout.slotSize : 0
        let slot = slot % layout.slotCount
        return graph.postReceive(on: qp, offset: layout.local(qp: q, slot: slot), length: length,
                                 id: UInt64(q) << 32 | UInt64(slot))
    }

    /// Serves the run until the client's end-of-run message: the tally, or nil when the client
    /// went away, a completion failed, or `stop` was raised (an abort).
    mutating func run(stop: StopFlag) -> ServerTally? {
        let capacity = 64
        let wc = UnsafeMutablePointer<ibv_wc>.allocate(capacity: capacity)
        wc.initialize(repeating: ibv_wc(), count: capacity)
        defer { wc.deallocate() }
        var poller = CompletionPoller(cq: graph.cq!, channel: graph.completionChannel, wc: wc, capacity: Int32(capacity))
        var watch = PeerWatch(cmFD: graph.channel.pointee.fd, context: graph.context, stallSeconds: spec.stallSeconds, stop: stop)
        defer { graph.unackedCQEvents &+= poller.unacked }

        let size = layout.messageSize
        let inline = size <= spec.inlineSize ? IBV_SEND_INLINE.rawValue : 0
        let signaled = IBV_SEND_SIGNALED.rawValue
        // The reply of a ping-pong: a SEND (send lat) or an RDMA WRITE into the client's target area (write lat).
        var replySGE = ibv_sge(addr: graph.address(spec.verb == .write ? layout.local(qp: 0, slot: 0) : layout.target(qp: 0, slot: 0)),
                               length: UInt32(size), lkey: graph.lkey)
        var reply = ibv_send_wr()
        reply.num_sge = 1
        reply.opcode = spec.verb == .write ? IBV_WR_RDMA_WRITE : IBV_WR_SEND
        reply.wr.rdma.remote_addr = replyAddress
        reply.wr.rdma.rkey = replyKey
        let writeLatency = spec.mode == .lat && spec.verb == .write
        let sendLatency = spec.mode == .lat && spec.verb == .send
        let arrived = graph.base + layout.target(qp: 0, slot: 0) + size - 1
        let answer = graph.base + layout.local(qp: 0, slot: 0) + size - 1
        var mark: UInt8 = 1
        var replies = 0
        var received: UInt64 = 0, corrupt: UInt64 = 0
        var ended = false
        var idleTurns = 0
        let cpu0 = CPUTime.thread().totalNanos
        let start = monotonicNanos()

        return withUnsafeMutablePointer(to: &replySGE) { sge -> ServerTally? in
            reply.sg_list = sge
            while !ended {
                if writeLatency {
                    if crdma_load_volatile_u8(arrived) == mark {
                        answer.storeBytes(of: mark, as: UInt8.self)
                        replies += 1
                        reply.send_flags = inline | (replies % 16 == 0 ? signaled : 0)
                        var bad: UnsafeMutablePointer<ibv_send_wr>?
                        if ibv_post_send(graph.ids[0].pointee.qp, &reply, &bad) != 0 { return nil }
                        mark &+= 1
                        if mark == 0 { mark = 1 }   // the client's turn numbers skip no value; 0 is never waited for
                        watch.progress()
                        continue
                    }
                    idleTurns += 1
                    if idleTurns & 63 != 0 { continue }
                }
                let n = poller.poll()
                if n < 0 { return nil }
                if n == 0 {
                    if let failure = watch.idle(every: poller.channel == nil ? 1024 : 1) {
                        logger.info("rdma: \(subject): \(failure.error(peer: subject))")
                        return nil
                    }
                    continue
                }
                watch.progress()
                for i in 0..<Int(n) {
                    let c = wc[i]
                    if c.status != IBV_WC_SUCCESS {
                        logger.info("rdma: \(subject): \(LoopFailure.completion(c.status, qp: Int(c.wr_id >> 32)).error(peer: subject))")
                        return nil
                    }
                    guard c.opcode == IBV_WC_RECV else { continue }
                    let q = Int(c.wr_id >> 32), slot = Int(c.wr_id & 0xFFFF_FFFF)
                    if c.wc_flags & IBV_WC_WITH_IMM.rawValue != 0 && UInt32(bigEndian: c.imm_data) == endOfRunImmediate {
                        ended = true
                        continue
                    }
                    received &+= 1
                    if spec.validate && spec.verb == .send,
                       c.byte_len != UInt32(size) || !Pattern.matches(graph.base + layout.local(qp: q, slot: slot), count: size, qp: q, slot: 0) {
                        corrupt &+= 1
                    }
                    if sendLatency {   // the pong first: the client is waiting for it
                        replies += 1
                        reply.send_flags = inline | (replies % 16 == 0 ? signaled : 0)
                        var bad: UnsafeMutablePointer<ibv_send_wr>?
                        if ibv_post_send(graph.ids[q].pointee.qp, &reply, &bad) != 0 { return nil }
                    }
                    if postReceive(q: q, slot: slot) != 0 { return nil }
                }
            }
            // Receives of other QPs that completed before the end message was seen.
            while true {
                let n = ibv_poll_cq(graph.cq, Int32(capacity), wc)
                if n <= 0 { break }
                for i in 0..<Int(n) where wc[i].status == IBV_WC_SUCCESS && wc[i].opcode == IBV_WC_RECV { received &+= 1 }
            }
            return ServerTally(received: received, corrupt: corrupt, cpuNanos: CPUTime.thread().totalNanos - cpu0,
                               wallNanos: monotonicNanos() - start)
        }
    }
}
