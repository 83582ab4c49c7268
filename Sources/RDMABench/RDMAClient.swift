import BenchCore
import CRDMA
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The client side of `ibbench rdma`: connects one RC QP per `--qps` to `ibbench serve` through
/// rdma_cm, runs the data loop for each message size, and reports a `BenchResult` per size.
public enum RDMAClient {
    /// Runs every size of `options`, handing each result to `emit` as soon as it is measured.
    /// A run that breaks emits what it measured (status `.error`) and then throws.
    /// `starting` gets each size's test id before it runs (reporters mark it in progress).
    public static func run(_ options: RDMAOptions, starting: (String) -> Void = { _ in },
                           emit: (BenchResult) -> Void) throws(RDMAError) {
        let o = try options.validated()
        if rdmaDeviceNames().isEmpty { throw noDeviceError }
        let peer = try PeerAddress(host: o.peer, port: o.port)
        for size in o.sizes {
            starting(testID(o, size: size))
            var run = SizeRun(options: o, size: size, peer: peer)
            let (result, failure) = run.measure()
            if let result { emit(result) }
            if let failure { throw failure }
        }
    }

    /// `ibbench.rdma.write.bw`, with the size appended in a sweep (`ibbench.rdma.write.bw.65536`).
    public static func testID(_ o: RDMAOptions, size: Int) -> String {
        "ibbench.rdma.\(o.verb.rawValue).\(o.mode.rawValue)" + (o.sizes.count > 1 ? ".\(size)" : "")
    }

    static let noDeviceError = RDMAError(.noDevice, "rdma", "no RDMA device found (ibv_get_device_list is empty)",
                                         next: "load the HCA driver, or for testing create Soft-RoCE: rdma link add rxe0 type rxe netdev eth0")
}

/// One message size: connect, measure, collect the server's report, disconnect.
struct SizeRun {
    let o: RDMAOptions
    let size: Int
    let peer: PeerAddress
    let layout: BufferLayout
    var device = ""
    var devicePort = 0

    init(options: RDMAOptions, size: Int, peer: PeerAddress) {
        o = options
        self.size = size
        self.peer = peer
        layout = BufferLayout(qps: options.qps, messageSize: size, depth: options.mode == .bw ? options.txDepth : 1)
    }

    var inlineUsed: Bool { o.verb != .read && size <= o.inlineSize }
    var sendDepth: Int { o.txDepth + 4 }

    /// The result (nil when nothing was measured) and the failure, if any.
    mutating func measure() -> (BenchResult?, RDMAError?) {
        var graph: RCGraph
        do { graph = try RCGraph(subject: peer.label) } catch { return (nil, error) }
        let remotes: [(address: UInt64, key: UInt32)]
        let reportAddress: UInt64
        do { (remotes, reportAddress) = try connect(&graph) } catch { return (nil, error) }
        let started = wallClockSeconds()
        var (outcome, histogram) = dataPhase(&graph, remotes: remotes)
        var failure = outcome.failure.map { $0.error(peer: peer.label) }
        var report: ServerReport?
        if failure == nil {
            do {
                report = try finish(graph, remoteKey: remotes[0].key, reportAddress: reportAddress)
                if o.validate { try check(graph, remotes: remotes, report: report!, messages: outcome.messages) }
            } catch { failure = error }
        }
        disconnect(graph)
        _ = consume graph
        outcome.failure = nil
        let result = makeResult(outcome, histogram: histogram, report: report, started: started, failure: failure)
        return (result, failure)
    }

    // MARK: connection

    /// QPs connected on `graph`; the peer's target area per QP and its report address.
    private mutating func connect(_ graph: inout RCGraph) throws(RDMAError) -> ([(address: UInt64, key: UInt32)], UInt64) {
        var remotes: [(address: UInt64, key: UInt32)] = []
        var reportAddress: UInt64 = 0
        let session = UInt32.random(in: 1...UInt32.max)
        let ms = Int32(o.timeout * 1000)
        for q in 0..<o.qps {
            let id = try graph.createID(subject: peer.label)
            do { try Verbs.status { peer.withSockaddr { rdma_resolve_addr(id, nil, $0, ms) } } } catch {
                throw RDMAError(.addressResolution, peer.label, "rdma_resolve_addr failed", errno: error,
                                next: "use an address that routes through an RDMA device (IPoIB or RoCE interface)")
            }
            _ = try expectCMEvent(RDMA_CM_EVENT_ADDR_RESOLVED, on: graph.channel, peer: peer.label, seconds: o.timeout + 1)
            if q == 0 {
                guard let ctx = id.pointee.verbs else {
                    throw RDMAError(.addressResolution, peer.label, "rdma_cm resolved no RDMA device",
                                    next: "use an address that routes through an RDMA device")
                }
                try checkPort(ctx, port: id.pointee.port_num, wantDevice: o.device, wantPort: o.devicePort, peer: peer.label)
                try graph.allocate(on: ctx, bytes: layout.totalBytes, cqEntries: o.qps * (sendDepth + layout.slotCount + 2),
                                   events: o.poll == .events, hugePages: o.hugePages)
                fillPatterns(graph)
            }
            do { try Verbs.status { rdma_resolve_route(id, ms) } } catch {
                throw RDMAError(.routeResolution, peer.label, "rdma_resolve_route failed", errno: error,
                                next: "check the link (ibsetup status) and, on InfiniBand, the subnet manager")
            }
            _ = try expectCMEvent(RDMA_CM_EVENT_ROUTE_RESOLVED, on: graph.channel, peer: peer.label, seconds: o.timeout + 1)
            try graph.createQP(on: id, sendDepth: sendDepth, recvDepth: layout.slotCount + 1,
                               inline: o.inlineSize, subject: peer.label)
            if o.verb == .send && o.mode == .lat {
                let r = graph.postReceive(on: id.pointee.qp, offset: layout.target(qp: q, slot: 0), length: layout.slotSize, id: 0)
                if r != 0 { throw verbsFailure("ibv_post_recv", Errno(rawValue: r), device: deviceName(id.pointee.verbs)) }
            }
            let request = ConnectRequest(
                verb: o.verb, mode: o.mode, validate: o.validate, session: session, qpIndex: UInt16(q),
                qpCount: UInt16(o.qps), slotCount: UInt32(layout.slotCount), slotSize: UInt32(layout.slotSize),
                messageSize: UInt32(size), inlineSize: UInt16(o.inlineSize),
                replyAddress: graph.address(layout.target(qp: q, slot: 0)), replyKey: graph.rkey,
                deadlineSeconds: UInt32(min(Double(UInt32.max / 2), (o.duration ?? 600) + o.timeout * 4 + 60)),
                issuedAt: UInt32(clamping: time(nil)))
            do {
                try withPrivateData(graph.connectionParameters(), request.encoded(token: o.token)) { rdma_connect(id, &$0) }
            } catch {
                throw RDMAError(.connection, peer.label, "rdma_connect failed", errno: error, next: "check the link and retry")
            }
            let established = try expectCMEvent(RDMA_CM_EVENT_ESTABLISHED, on: graph.channel, peer: peer.label, seconds: o.timeout)
            guard let reply = ConnectReply(established.privateData), reply.status == .accepted else {
                throw RDMAError(.notServing, peer.label, "the peer accepted without an ibbench reply",
                                next: "is ibbench serve (not another RDMA server) listening on this port?")
            }
            remotes.append((reply.targetAddress, reply.key))
            reportAddress = reply.reportAddress
        }
        device = deviceName(graph.context!)
        devicePort = Int(graph.ids[0].pointee.port_num)
        return (remotes, reportAddress)
    }

    /// With `--validate`: the data this side sends (write, send) follows the pattern.
    private func fillPatterns(_ graph: borrowing RCGraph) {
        guard o.validate, o.verb != .read else { return }
        for q in 0..<o.qps {
            for s in 0..<layout.slotCount {
                Pattern.fill(graph.base + layout.local(qp: q, slot: s), count: size, qp: q, slot: o.verb == .send ? 0 : s)
            }
        }
    }

    // MARK: data

    private func dataPhase(_ graph: inout RCGraph, remotes: [(address: UInt64, key: UInt32)]) -> (LoopOutcome, LatencyHistogram) {
        let opcode = switch o.verb {
        case .write: IBV_WR_RDMA_WRITE
        case .read: IBV_WR_RDMA_READ
        case .send: IBV_WR_SEND
        }
        let path = DataPath(qps: graph.ids.map { $0.pointee.qp }, graph: graph, layout: layout, opcode: opcode,
                            remote: remotes, postList: o.mode == .lat ? 1 : o.postList, inline: inlineUsed)
        var poller = CompletionPoller(cq: graph.cq!, channel: graph.completionChannel, wc: path.wc,
                                      capacity: Int32(DataPath.wcCapacity))
        var watch = PeerWatch(cmFD: graph.channel.pointee.fd, context: graph.context, stallSeconds: max(o.timeout, 1))
        var histogram = LatencyHistogram()
        let length: LoopLength = o.duration.map { .until(monotonicNanos() + UInt64($0 * 1e9)) } ?? .iterations(o.iterations)
        let outcome: LoopOutcome
        if o.mode == .bw {
            outcome = bandwidthLoop(path, length: length, txDepth: o.txDepth, cqMod: o.cqModeration,
                                    poller: &poller, watch: &watch)
        } else {
            var sge = ibv_sge(addr: graph.address(layout.target(qp: 0, slot: 0)), length: UInt32(layout.slotSize), lkey: graph.lkey)
            outcome = withUnsafeMutablePointer(to: &sge) { sgePointer in
                var receive = ibv_recv_wr()
                receive.sg_list = sgePointer
                receive.num_sge = 1
                return withUnsafeMutablePointer(to: &receive) { receivePointer in
                    latencyLoop(path, verb: o.verb, length: length, receive: receivePointer,
                                sendByte: graph.base + layout.local(qp: 0, slot: 0) + size - 1,
                                replyByte: graph.base + layout.target(qp: 0, slot: 0) + size - 1,
                                histogram: &histogram, poller: &poller, watch: &watch)
                }
            }
        }
        graph.unackedCQEvents &+= poller.unacked
        return (outcome, histogram)
    }

    // MARK: end of run

    /// Tells the server the run is over (a zero-length SEND with immediate data on QP 0), then
    /// reads its report with RDMA READs until the server has written it.
    private func finish(_ graph: borrowing RCGraph, remoteKey: UInt32, reportAddress: UInt64) throws(RDMAError) -> ServerReport {
        let qp = graph.ids[0].pointee.qp!
        var end = ibv_send_wr()
        end.wr_id = Self.endID
        end.opcode = IBV_WR_SEND_WITH_IMM
        end.send_flags = IBV_SEND_SIGNALED.rawValue
        end.imm_data = endOfRunImmediate.bigEndian
        try postAndWait(graph, qp: qp, &end, what: "the end-of-run message")
        let deadline = Deadline.after(seconds: o.timeout)
        var sge = ibv_sge(addr: graph.address(BufferLayout.reportOffset), length: UInt32(ServerReport.encodedSize), lkey: graph.lkey)
        while true {
            memset(graph.base + BufferLayout.reportOffset, 0, ServerReport.encodedSize)
            var read = ibv_send_wr()
            read.wr_id = Self.reportID
            read.opcode = IBV_WR_RDMA_READ
            read.send_flags = IBV_SEND_SIGNALED.rawValue
            read.num_sge = 1
            read.wr.rdma.remote_addr = reportAddress
            read.wr.rdma.rkey = remoteKey
            try withUnsafeMutablePointer(to: &sge) { (p) throws(RDMAError) in
                read.sg_list = p
                try postAndWait(graph, qp: qp, &read, what: "reading the server's report")
            }
            let bytes = Array(UnsafeRawBufferPointer(start: graph.base + BufferLayout.reportOffset, count: ServerReport.encodedSize))
            if let report = ServerReport(bytes) { return report }
            if deadline.hasPassed {
                throw RDMAError(.peerLost, peer.label, "the server wrote no report within \(Int(o.timeout)) s",
                                next: "check the server's log")
            }
            usleep(1000)
        }
    }

    static let endID: UInt64 = 0xE0D
    static let reportID: UInt64 = 0xE0E
    static let checkID: UInt64 = 0xE0F

    /// Posts one signalled WR and waits (busy, bounded by `--timeout`) for its completion,
    /// skipping completions of anything else.
    private func postAndWait(_ graph: borrowing RCGraph, qp: UnsafeMutablePointer<ibv_qp>,
                             _ wr: inout ibv_send_wr, what: String) throws(RDMAError) {
        var bad: UnsafeMutablePointer<ibv_send_wr>?
        let r = ibv_post_send(qp, &wr, &bad)
        if r != 0 { throw RDMAError(.verbs, peer.label, "ibv_post_send failed for \(what)", errno: Errno(rawValue: r), next: "retry") }
        let deadline = Deadline.after(seconds: o.timeout)
        var wc = ibv_wc()
        while !deadline.hasPassed {
            let n = ibv_poll_cq(graph.cq, 1, &wc)
            if n < 0 { throw LoopFailure.pollFailed.error(peer: peer.label) }
            if n == 0 { continue }
            if wc.status != IBV_WC_SUCCESS {
                throw LoopFailure.completion(wc.status, qp: 0).error(peer: peer.label)
            }
            if wc.wr_id == wr.wr_id { return }
        }
        throw RDMAError(.peerLost, peer.label, "no completion for \(what) within \(Int(o.timeout)) s",
                        next: "the peer stopped answering; check that ibbench serve is still running there")
    }

    /// `--validate`: write reads the peer's target slots back and compares them with what was
    /// written; read compares what arrived with the server's pattern; send asks the server's count.
    private func check(_ graph: borrowing RCGraph, remotes: [(address: UInt64, key: UInt32)],
                       report: ServerReport, messages: Int) throws(RDMAError) {
        let used = min(layout.slotCount, o.mode == .lat ? 1 : o.postList)
        for q in 0..<o.qps {
            for s in 0..<used {
                let local = graph.base + layout.local(qp: q, slot: s)
                switch o.verb {
                case .write:
                    var sge = ibv_sge(addr: graph.address(layout.target(qp: q, slot: s)), length: UInt32(size), lkey: graph.lkey)
                    var read = ibv_send_wr()
                    read.wr_id = Self.checkID
                    read.opcode = IBV_WR_RDMA_READ
                    read.send_flags = IBV_SEND_SIGNALED.rawValue
                    read.num_sge = 1
                    read.wr.rdma.remote_addr = remotes[q].address + UInt64(s * layout.slotSize)
                    read.wr.rdma.rkey = remotes[q].key
                    try withUnsafeMutablePointer(to: &sge) { (p) throws(RDMAError) in
                        read.sg_list = p
                        try postAndWait(graph, qp: graph.ids[q].pointee.qp, &read, what: "reading back written data")
                    }
                    if memcmp(local, graph.base + layout.target(qp: q, slot: s), size) != 0 {
                        throw mismatch("QP \(q) slot \(s): the peer's buffer differs from what was written")
                    }
                case .read:
                    if !Pattern.matches(local, count: size, qp: q, slot: s) {
                        throw mismatch("QP \(q) slot \(s): the data read differs from the server's pattern")
                    }
                case .send:
                    break
                }
            }
        }
        if o.verb == .send {
            if report.corrupt > 0 { throw mismatch("\(report.corrupt) of \(report.received) messages arrived corrupt") }
            if report.received != UInt64(messages) {
                throw mismatch("the server received \(report.received) messages, \(messages) were sent")
            }
        }
    }

    private func mismatch(_ what: String) -> RDMAError {
        RDMAError(.dataMismatch, peer.label, "--validate: \(what)", next: "check the HCA, firmware and cabling; rerun")
    }

    /// rdma_disconnect on every QP, then waits (at most 2 s) for the DISCONNECTED events.
    private func disconnect(_ graph: borrowing RCGraph) {
        var pending = 0
        for id in graph.ids where rdma_disconnect(id) == 0 { pending += 1 }
        let deadline = Deadline.after(seconds: 2)
        while pending > 0, let event = try? nextCMEvent(graph.channel, until: deadline) {
            if event.type == RDMA_CM_EVENT_DISCONNECTED { pending -= 1 }
        }
    }

    // MARK: result

    private func makeResult(_ outcome: LoopOutcome, histogram: LatencyHistogram, report: ServerReport?,
                            started: Double, failure: RDMAError?) -> BenchResult {
        let seconds = Double(outcome.nanos) / 1e9
        var parameters = [
            "verb": o.verb.rawValue, "mode": o.mode.rawValue, "size": String(size), "qps": String(o.qps),
            "tx_depth": String(o.txDepth), "inline": String(inlineUsed ? o.inlineSize : 0),
            "cq_mod": String(o.cqModeration), "post_list": String(o.mode == .lat ? 1 : o.postList),
            "poll": o.poll.rawValue, "validate": String(o.validate), "device": device, "port": String(devicePort),
            "peer": peer.label,
        ]
        if let d = o.duration { parameters["duration"] = String(d) } else { parameters["iterations"] = String(o.iterations) }
        var metrics: [Metric] = []
        if seconds > 0 {
            let bytes = Double(outcome.messages) * Double(size)
            if o.mode == .bw {
                metrics.append(Metric("throughput", bytes * 8 / seconds, .bitsPerSecond))
                metrics.append(Metric("throughput_mib_per_second", bytes / seconds / 1_048_576, .count))
            }
            metrics.append(Metric("message_rate", Double(outcome.messages) / seconds, .perSecond))
            metrics.append(Metric("message_rate_mpps", Double(outcome.messages) / seconds / 1e6, .count))
            metrics.append(Metric("messages", Double(outcome.messages), .count))
            metrics.append(Metric("bytes", bytes, .bytes))
        }
        if o.mode == .lat && histogram.count > 0 {
            let h = histogram.histogram
            let values: [(String, Double)] = [
                ("min", Double(h.min)), ("mean", h.mean), ("p50", Double(h.valueAtPercentile(50))),
                ("p99", Double(h.valueAtPercentile(99))), ("p99_9", Double(h.valueAtPercentile(99.9))),
                ("max", Double(h.max)),
            ]
            for (name, v) in values { metrics.append(Metric("latency_\(name)", v, .nanoseconds)) }
            // A read's round trip is one operation; ping-pongs (send, write) also give half of it.
            if o.verb != .read {
                for (name, v) in values { metrics.append(Metric("latency_one_way_\(name)", v / 2, .nanoseconds)) }
            }
        }
        if seconds > 0 { metrics.append(Metric("cpu_local", Double(outcome.cpuNanos) / 1e9 / seconds * 100, .percent)) }
        if let report, report.wallNanos > 0 {
            metrics.append(Metric("cpu_remote", Double(report.cpuNanos) / Double(report.wallNanos) * 100, .percent))
        }
        return BenchResult(test: RDMAClient.testID(o, size: size), tool: "ibbench", transport: .rdma, parameters: parameters, metrics: metrics,
                           status: failure == nil ? .success : .error, reason: failure?.description,
                           started: started, duration: seconds)
    }
}
