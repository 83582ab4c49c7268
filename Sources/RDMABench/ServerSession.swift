import BenchCore
import CRDMA
import Logging
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// One client run on the server: its QPs, buffer and CQ (one `RCGraph`), and the loop that
/// serves it: counting (and with `--validate` checking) sends and reposting receives, answering
/// send and write ping-pongs, and writing the report when the client says the run is over.
struct ServerSession: ~Copyable {
    let request: ConnectRequest
    let layout: BufferLayout
    let logger: Logger
    var graph: RCGraph

    init(request: ConnectRequest, logger: Logger) throws(RDMAError) {
        self.request = request
        self.logger = logger
        layout = BufferLayout(qps: Int(request.qpCount), slotCount: Int(request.slotCount),
                              slotSize: Int(request.slotSize), messageSize: Int(request.messageSize))
        graph = try RCGraph(subject: "session \(request.session)")
    }

    private var subject: String { "session \(request.session)" }
    /// Send latency keeps 16 receives posted although one message is in flight: the client's next
    /// ping may arrive before a consumed receive is reposted, and a receiver-not-ready NAK costs
    /// the sender a retry timer (about a millisecond).
    private var receivesPerQP: Int {
        request.verb != .send ? 1 : request.mode == .lat ? 16 : layout.slotCount
    }

    /// Takes the QP's cm_id, makes the shared resources on the first one, creates the QP, posts its
    /// receives and accepts with the target area's address and rkey; waits for ESTABLISHED.
    mutating func accept(_ event: CMEvent) throws(RDMAError) {
        let id = event.id
        try graph.adopt(id, subject: subject)
        let q = graph.ids.count - 1
        do throws(RDMAError) {
            if graph.context == nil {
                guard let ctx = id.pointee.verbs else {
                    throw RDMAError(.noDevice, subject, "connect request without a device", next: "retry")
                }
                try graph.allocate(on: ctx, bytes: layout.totalBytes,
                                   cqEntries: layout.qps * (receivesPerQP + 70) + 8,
                                   events: request.mode == .bw, hugePages: false)
                if request.validate && request.verb == .read {
                    for qp in 0..<layout.qps {
                        for s in 0..<layout.slotCount {
                            Pattern.fill(graph.base + layout.target(qp: qp, slot: s), count: layout.messageSize, qp: qp, slot: s)
                        }
                    }
                }
            }
            try graph.createQP(on: id, sendDepth: 64, recvDepth: receivesPerQP + 1, inline: Int(request.inlineSize), subject: subject)
            for s in 0..<receivesPerQP {
                let r = postReceive(q: q, slot: s)
                if r != 0 { throw verbsFailure("ibv_post_recv", Errno(rawValue: r), device: deviceName(graph.context!)) }
            }
        } catch {
            ConnectReply(status: .noResources).encoded().withUnsafeBytes { _ = rdma_reject(id, $0.baseAddress, UInt8($0.count)) }
            throw error
        }
        let reply = ConnectReply(status: .accepted, targetAddress: graph.address(layout.target(qp: q, slot: 0)),
                                 key: graph.rkey, reportAddress: graph.address(BufferLayout.reportOffset))
        let params = graph.connectionParameters(initiatorDepth: event.responderResources, responderResources: event.initiatorDepth)
        do { try withPrivateData(params, reply.encoded()) { rdma_accept(id, &$0) } } catch {
            throw RDMAError(.connection, subject, "rdma_accept failed", errno: error, next: "the client retries")
        }
        _ = try expectCMEvent(RDMA_CM_EVENT_ESTABLISHED, on: graph.channel, peer: subject, seconds: 5)
    }

    private func postReceive(q: Int, slot: Int) -> Int32 {
        let qp = graph.ids[q].pointee.qp!
        let length = request.verb == .send ? layout.slotSize : 0
        let slot = slot % layout.slotCount
        return graph.postReceive(on: qp, offset: layout.local(qp: q, slot: slot), length: length,
                                 id: UInt64(q) << 32 | UInt64(slot))
    }

    /// Serves the run until the client's end-of-run message; true when it ended that way (and the
    /// report was written and the client disconnected), false when the client went away.
    mutating func run(listener: borrowing Listener) throws(RDMAError) -> Bool {
        let capacity = 64
        let wc = UnsafeMutablePointer<ibv_wc>.allocate(capacity: capacity)
        wc.initialize(repeating: ibv_wc(), count: capacity)
        defer { wc.deallocate() }
        var poller = CompletionPoller(cq: graph.cq!, channel: graph.completionChannel, wc: wc, capacity: Int32(capacity))
        var watch = PeerWatch(cmFD: graph.channel.pointee.fd, context: graph.context, stallSeconds: Double(request.deadlineSeconds))
        defer { graph.unackedCQEvents &+= poller.unacked }

        let size = layout.messageSize
        let inline = size <= Int(request.inlineSize) ? IBV_SEND_INLINE.rawValue : 0
        let signaled = IBV_SEND_SIGNALED.rawValue
        // The reply of a ping-pong: a SEND (send lat) or an RDMA WRITE into the client's target area (write lat).
        var replySGE = ibv_sge(addr: graph.address(request.verb == .write ? layout.local(qp: 0, slot: 0) : layout.target(qp: 0, slot: 0)),
                               length: UInt32(size), lkey: graph.lkey)
        var reply = ibv_send_wr()
        reply.num_sge = 1
        reply.opcode = request.verb == .write ? IBV_WR_RDMA_WRITE : IBV_WR_SEND
        reply.wr.rdma.remote_addr = request.replyAddress
        reply.wr.rdma.rkey = request.replyKey
        let writeLatency = request.mode == .lat && request.verb == .write
        let sendLatency = request.mode == .lat && request.verb == .send
        let arrived = graph.base + layout.target(qp: 0, slot: 0) + size - 1
        let answer = graph.base + layout.local(qp: 0, slot: 0) + size - 1
        var mark: UInt8 = 1
        var replies = 0
        var received: UInt64 = 0, corrupt: UInt64 = 0
        var ended = false
        var idleTurns = 0
        let cpu0 = CPUTime.thread().totalNanos
        let start = monotonicNanos()

        return try withUnsafeMutablePointer(to: &replySGE) { (sge) throws(RDMAError) -> Bool in
            reply.sg_list = sge
            while !ended {
                if writeLatency {
                    if crdma_load_volatile_u8(arrived) == mark {
                        answer.storeBytes(of: mark, as: UInt8.self)
                        replies += 1
                        reply.send_flags = inline | (replies % 16 == 0 ? signaled : 0)
                        var bad: UnsafeMutablePointer<ibv_send_wr>?
                        if ibv_post_send(graph.ids[0].pointee.qp, &reply, &bad) != 0 { return false }
                        mark &+= 1
                        if mark == 0 { mark = 1 }   // the client's turn numbers skip no value; 0 is never waited for
                        watch.progress()
                        continue
                    }
                    idleTurns += 1
                    if idleTurns & 63 != 0 { continue }
                }
                let n = poller.poll()
                if n < 0 { return false }
                if n == 0 {
                    if let failure = watch.idle(every: poller.channel == nil ? 1024 : 1) {
                        logger.info("rdma: \(subject): \(failure.error(peer: subject))")
                        return false
                    }
                    idleTurns += 1
                    if idleTurns % 4096 == 0 || poller.channel != nil { refuseOthers(listener) }
                    continue
                }
                watch.progress()
                for i in 0..<Int(n) {
                    let c = wc[i]
                    if c.status != IBV_WC_SUCCESS {
                        logger.info("rdma: \(subject): \(LoopFailure.completion(c.status, qp: Int(c.wr_id >> 32)).error(peer: subject))")
                        return false
                    }
                    guard c.opcode == IBV_WC_RECV else { continue }
                    let q = Int(c.wr_id >> 32), slot = Int(c.wr_id & 0xFFFF_FFFF)
                    if c.wc_flags & IBV_WC_WITH_IMM.rawValue != 0 && UInt32(bigEndian: c.imm_data) == endOfRunImmediate {
                        ended = true
                        continue
                    }
                    received &+= 1
                    if request.validate && request.verb == .send,
                       c.byte_len != UInt32(size) || !Pattern.matches(graph.base + layout.local(qp: q, slot: slot), count: size, qp: q, slot: 0) {
                        corrupt &+= 1
                    }
                    if sendLatency {   // the pong first: the client is waiting for it
                        replies += 1
                        reply.send_flags = inline | (replies % 16 == 0 ? signaled : 0)
                        var bad: UnsafeMutablePointer<ibv_send_wr>?
                        if ibv_post_send(graph.ids[q].pointee.qp, &reply, &bad) != 0 { return false }
                    }
                    if postReceive(q: q, slot: slot) != 0 { return false }
                }
            }
            // Receives of other QPs that completed before the end message was seen.
            while true {
                let n = ibv_poll_cq(graph.cq, Int32(capacity), wc)
                if n <= 0 { break }
                for i in 0..<Int(n) where wc[i].status == IBV_WC_SUCCESS && wc[i].opcode == IBV_WC_RECV { received &+= 1 }
            }
            let report = ServerReport(received: received, corrupt: corrupt, cpuNanos: CPUTime.thread().totalNanos - cpu0,
                                      wallNanos: monotonicNanos() - start)
            report.encoded().withUnsafeBytes { graph.base.advanced(by: BufferLayout.reportOffset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            awaitDisconnect()
            return true
        }
    }

    /// Connect requests of other clients while this run lasts: told the server is busy.
    private func refuseOthers(_ listener: borrowing Listener) {
        while let e = try? nextCMEvent(listener.channel, until: Deadline(nanos: 0)), e.type == RDMA_CM_EVENT_CONNECT_REQUEST {
            reject(e.id, .busy)
        }
    }

    /// After the report the client reads it and disconnects every QP; at most 10 s.
    private func awaitDisconnect() {
        var pending = graph.ids.count
        let deadline = Deadline.after(seconds: 10)
        while pending > 0, let e = try? nextCMEvent(graph.channel, until: deadline) {
            if e.type == RDMA_CM_EVENT_DISCONNECTED { pending -= 1 }
        }
    }
}
