import BenchCore
import CRDMA
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// The client's RDMA data path of one message size, as the control runner drives it. One
/// thread owns the verbs resources from the first connect to the last disconnect: it connects
/// the QPs when the server has accepted the test, runs the loop on `start`, and disconnects
/// and releases everything in `join`, after the server has sent its results.
final class RDMAClientPath: ClientDataPath, @unchecked Sendable {
    private enum Command { case open([UInt8], port: UInt16), start(signalling: Wakeup), release }

    private struct State {
        var commands: [Command] = []
        var opened: Result<Void, RDMAError>?
        var done = false
        var measured: Measured?
    }

    /// What the data thread measured.
    struct Measured {
        var outcome: LoopOutcome
        var histogram: LatencyHistogram
        var failure: RDMAError?
        var device: String
        var devicePort: Int
    }

    private let state = Gate(State())
    private let stopFlag = StopFlag()
    private var thread: BenchThread<Void>?
    private let work: QPWork

    init(options: RDMAOptions, size: Int, layout: BufferLayout) throws(RDMAError) {
        work = QPWork(options: options, size: size, layout: layout, stop: stopFlag)
        do {
            thread = try BenchThread(name: "ibb-rdma-client", cpu: nil) { [self] in serve() }
        } catch {
            throw RDMAError(.connection, "rdma", "cannot start the data thread", next: "raise the thread limit")
        }
    }

    func open(session: [UInt8], info: [String: String]) throws(BenchError) {
        let port = info["rdma_port"].flatMap { UInt16($0) } ?? work.o.port
        state.update { $0.commands.append(.open(session, port: port)) }
        // The thread's connect is bounded by --timeout per step and QP.
        _ = state.wait(until: .after(seconds: (work.o.timeout * 3 + 1) * Double(work.o.qps) + 5)) { $0.opened != nil }
        switch state.read({ $0.opened }) {
        case .success: return
        case .failure(let e): throw BenchError(.peer, subject: e.subject, what: e.what, errnoName: e.underlying?.symbol, next: e.next)
        case nil: throw BenchError(.peer, subject: work.o.peer, what: "rdma_cm connection did not finish", next: "check the link and retry")
        }
    }

    func start(signalling finished: Wakeup) throws(BenchError) {
        state.update { $0.commands.append(.start(signalling: finished)) }
    }

    func stop() { stopFlag.raise() }

    var allDone: Bool { state.read { $0.done } }

    /// The loop found the server silent or disconnected: its results will not come.
    var peerLost: String? {
        state.read { $0.measured?.failure }.flatMap { $0.code == .peerLost ? $0.description : nil }
    }

    /// Why the QPs could not be connected, when they could not.
    var openFailure: RDMAError? {
        if case .failure(let e) = state.read({ $0.opened }) { e } else { nil }
    }

    /// Disconnects, releases the resources and returns what was measured (nil when the loop
    /// never ran).
    func join() -> Measured? {
        state.update { $0.commands.append(.release) }
        thread?.join()
        thread = nil
        return state.read { $0.measured }
    }

    private func next() -> Command {
        while true {
            if state.wait(until: .after(seconds: 1), for: { !$0.commands.isEmpty }) {
                return state.update { $0.commands.removeFirst() }
            }
        }
    }

    private func serve() {
        var work = self.work
        var graph: RCGraph
        do { graph = try RCGraph(subject: work.label) } catch {
            state.update { $0.opened = .failure(error) }
            awaitRelease()
            return
        }
        guard case .open(let session, let port) = next() else { return }
        let remotes: [(address: UInt64, key: UInt32)]
        do {
            try work.resolve(port: port)
            remotes = try work.connect(&graph, session: session)
            state.update { $0.opened = .success(()) }
        } catch {
            state.update { $0.opened = .failure(error) }
            awaitRelease()
            return
        }
        if case .start(let finished) = next() {
            var (outcome, histogram) = work.dataPhase(&graph, remotes: remotes)
            var failure = outcome.failure.map { $0.error(peer: work.label) }
            if failure == nil {
                do {
                    try work.finish(graph)
                    if work.o.validate { try work.check(graph, remotes: remotes) }
                } catch { failure = error }
            }
            outcome.failure = nil
            let measured = Measured(outcome: outcome, histogram: histogram, failure: failure,
                                    device: work.device, devicePort: work.devicePort)
            state.update { $0.measured = measured; $0.done = true }
            finished.signal()
            awaitRelease()
        }
        // A peer found gone (silent or disconnected) is not waited for: a stopped server
        // would hold the run for the whole wait.
        work.disconnect(graph, waiting: peerLost == nil ? 2 : 0)
    }

    /// Waits for `join`, skipping any command that no longer applies.
    private func awaitRelease() {
        while true { if case .release = next() { return } }
    }
}

/// The verbs work of one message size on the client's data thread.
struct QPWork {
    let o: RDMAOptions
    let size: Int
    let layout: BufferLayout
    let stop: StopFlag
    /// Set by `resolve`: the peer's rdma_cm address.
    var peer: PeerAddress?
    var device = ""
    var devicePort = 0

    init(options: RDMAOptions, size: Int, layout: BufferLayout, stop: StopFlag) {
        o = options
        self.size = size
        self.layout = layout
        self.stop = stop
    }

    var label: String { peer?.label ?? o.peer }
    var inlineUsed: Bool { o.verb != .read && size <= o.inlineSize }
    var sendDepth: Int { o.txDepth + 4 }

    mutating func resolve(port: UInt16) throws(RDMAError) {
        peer = try PeerAddress(host: o.peer, port: port)
    }

    /// QPs connected on `graph` for the accepted test `session`; the peer's target area per QP.
    mutating func connect(_ graph: inout RCGraph, session: [UInt8]) throws(RDMAError) -> [(address: UInt64, key: UInt32)] {
        var remotes: [(address: UInt64, key: UInt32)] = []
        let ms = Int32(o.timeout * 1000)
        for q in 0..<o.qps {
            let id = try graph.createID(subject: label)
            do { _ = try sys { peer!.withSockaddr { rdma_resolve_addr(id, nil, $0, ms) } } } catch {
                throw RDMAError(.addressResolution, label, "rdma_resolve_addr failed", errno: error,
                                next: "use an address that routes through an RDMA device (IPoIB or RoCE interface)")
            }
            _ = try expectCMEvent(RDMA_CM_EVENT_ADDR_RESOLVED, on: graph.channel, peer: label, seconds: o.timeout + 1)
            if q == 0 {
                guard let ctx = id.pointee.verbs else {
                    throw RDMAError(.addressResolution, label, "rdma_cm resolved no RDMA device",
                                    next: "use an address that routes through an RDMA device")
                }
                try checkPort(ctx, port: id.pointee.port_num, wantDevice: o.device, wantPort: o.devicePort, peer: label)
                try graph.allocate(on: ctx, bytes: layout.totalBytes, cqEntries: o.qps * (sendDepth + layout.slotCount + 2),
                                   events: o.poll == .events, hugePages: o.hugePages)
                fillPatterns(graph)
            }
            do { _ = try sys { rdma_resolve_route(id, ms) } } catch {
                throw RDMAError(.routeResolution, label, "rdma_resolve_route failed", errno: error,
                                next: "check the link (ibsetup status) and, on InfiniBand, the subnet manager")
            }
            _ = try expectCMEvent(RDMA_CM_EVENT_ROUTE_RESOLVED, on: graph.channel, peer: label, seconds: o.timeout + 1)
            try graph.createQP(on: id, sendDepth: sendDepth, recvDepth: layout.slotCount + 1,
                               inline: o.inlineSize, subject: label)
            if o.verb == .send && o.mode == .lat {
                do {
                    try sysReturned {
                        graph.postReceive(on: id.pointee.qp, offset: layout.target(qp: q, slot: 0), length: layout.slotSize, id: 0)
                    }
                } catch { throw verbsFailure("ibv_post_recv", error, device: deviceName(id.pointee.verbs)) }
            }
            let request = ConnectRequest(session: session, qpIndex: UInt8(q),
                                         replyAddress: graph.address(layout.target(qp: q, slot: 0)), replyKey: graph.rkey)
            do {
                try withPrivateData(graph.connectionParameters(), request.encoded()) { rdma_connect(id, &$0) }
            } catch {
                throw RDMAError(.connection, label, "rdma_connect failed", errno: error, next: "check the link and retry")
            }
            let established = try expectCMEvent(RDMA_CM_EVENT_ESTABLISHED, on: graph.channel, peer: label, seconds: o.timeout)
            guard let reply = ConnectReply(established.privateData), reply.status == .accepted else {
                throw RDMAError(.notServing, label, "the peer accepted without an ibbench reply",
                                next: "is ibbench serve (not another RDMA server) listening on this port?")
            }
            remotes.append((reply.targetAddress, reply.key))
        }
        device = deviceName(graph.context!)
        devicePort = Int(graph.ids[0].pointee.port_num)
        return remotes
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

    func dataPhase(_ graph: inout RCGraph, remotes: [(address: UInt64, key: UInt32)]) -> (LoopOutcome, LatencyHistogram) {
        let opcode = switch o.verb {
        case .write: IBV_WR_RDMA_WRITE
        case .read: IBV_WR_RDMA_READ
        case .send: IBV_WR_SEND
        }
        let path = DataPath(qps: graph.ids.map { $0.pointee.qp }, graph: graph, layout: layout, opcode: opcode,
                            remote: remotes, postList: o.mode == .lat ? 1 : o.postList, inline: inlineUsed)
        var poller = CompletionPoller(cq: graph.cq!, channel: graph.completionChannel, wc: path.wc,
                                      capacity: Int32(DataPath.wcCapacity))
        var watch = PeerWatch(cmFD: graph.channel.pointee.fd, context: graph.context, stallSeconds: max(o.timeout, 1), stop: stop)
        var histogram = LatencyHistogram()
        let length: LoopLength = o.duration.map { .nanos(UInt64($0 * 1e9)) } ?? .iterations(o.iterations)
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

    /// Tells the server the run is over: a zero-length SEND with immediate data on QP 0, which
    /// RC delivers after every message before it, so the server's count is complete.
    func finish(_ graph: borrowing RCGraph) throws(RDMAError) {
        let qp = graph.ids[0].pointee.qp!
        var end = ibv_send_wr()
        end.wr_id = Self.endID
        end.opcode = IBV_WR_SEND_WITH_IMM
        end.send_flags = IBV_SEND_SIGNALED.rawValue
        end.imm_data = endOfRunImmediate.bigEndian
        try postAndWait(graph, qp: qp, &end, what: "the end-of-run message")
    }

    static let endID: UInt64 = 0xE0D
    static let checkID: UInt64 = 0xE0F

    /// Posts one signalled WR and waits (busy, bounded by `--timeout`) for its completion,
    /// skipping completions of anything else.
    private func postAndWait(_ graph: borrowing RCGraph, qp: UnsafeMutablePointer<ibv_qp>,
                             _ wr: inout ibv_send_wr, what: String) throws(RDMAError) {
        var bad: UnsafeMutablePointer<ibv_send_wr>?
        do { try sysReturned { ibv_post_send(qp, &wr, &bad) } } catch {
            throw RDMAError(.verbs, label, "ibv_post_send failed for \(what)", errno: error, next: "retry")
        }
        let deadline = Deadline.after(seconds: o.timeout)
        var wc = ibv_wc()
        while !deadline.hasPassed {
            let n = ibv_poll_cq(graph.cq, 1, &wc)
            if n < 0 { throw LoopFailure.pollFailed.error(peer: label) }
            if n == 0 { continue }
            if wc.status != IBV_WC_SUCCESS {
                throw LoopFailure.completion(wc.status, qp: 0).error(peer: label)
            }
            if wc.wr_id == wr.wr_id { return }
        }
        throw RDMAError(.peerLost, label, "no completion for \(what) within \(Int(o.timeout)) s",
                        next: "the peer stopped answering; check that ibbench serve is still running there")
    }

    /// `--validate`: write reads the peer's target slots back and compares them with what was
    /// written; read compares what arrived with the server's pattern. (Send is checked against
    /// the server's count, which comes with its results.)
    func check(_ graph: borrowing RCGraph, remotes: [(address: UInt64, key: UInt32)]) throws(RDMAError) {
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
    }

    func mismatch(_ what: String) -> RDMAError {
        RDMAError(.dataMismatch, label, "--validate: \(what)", next: "check the HCA, firmware and cabling; rerun")
    }

    /// rdma_disconnect on every QP, then waits (at most 2 s) for the DISCONNECTED events.
    /// Disconnects every QP and waits up to `seconds` for the peer to confirm.
    func disconnect(_ graph: borrowing RCGraph, waiting seconds: Double = 2) {
        var pending = 0
        for id in graph.ids where rdma_disconnect(id) == 0 { pending += 1 }
        if seconds <= 0 { return }
        let deadline = Deadline.after(seconds: seconds)
        while pending > 0, let event = try? nextCMEvent(graph.channel, until: deadline) {
            if event.type == RDMA_CM_EVENT_DISCONNECTED { pending -= 1 }
        }
    }
}
