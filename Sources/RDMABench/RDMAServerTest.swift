import BenchCore
import CRDMA
import Logging
#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// The server side of one RDMA test. Its own thread owns the verbs resources (`ServerSession`)
/// from the first connect request to the end of the control session: it accepts the QPs the
/// listener hands over, runs the data loop after `start`, and releases everything once the
/// control session ends. The control session only waits on its state.
final class RDMAServerTest: ServerTest, @unchecked Sendable {
    let session: [UInt8]
    let connectInfo: [String: String]
    let spec: RDMATestSpec
    private let subject: String
    /// Where the listener moves this test's cm_ids; the session's graph destroys it.
    private let channel: UnsafeMutablePointer<rdma_event_channel>
    private let stop = StopFlag()
    private let onEnd: @Sendable (RDMAServerTest, _ served: Bool) -> Void

    private struct State {
        /// Connect requests moved to `channel` and not yet accepted.
        var requests: [(CMEvent, ConnectRequest)] = []
        /// Set before `channel` is destroyed: the listener must not move anything there.
        var closed = false
        var dataPath = DataPathStatus.waiting
        var started = false
        var aborted = false
        /// The loop has ended: with its tally, or nil when the run broke.
        var ended = false
        var tally: ServerTally?
    }
    private let state = Gate(State())

    /// Starts the test's thread, which waits for the QPs' connect requests.
    init(spec: RDMATestSpec, session: [UInt8], port: UInt16, logger: Logger,
         onEnd: @escaping @Sendable (RDMAServerTest, _ served: Bool) -> Void) throws(BenchError) {
        self.spec = spec
        self.session = session
        self.onEnd = onEnd
        subject = "rdma session \(Hex.short(session))"
        connectInfo = ["rdma_port": String(port)]
        do { channel = try makeEventChannel(subject: subject) } catch {
            throw BenchError(.local, subject: subject, what: error.what, errnoName: error.underlying?.symbol, next: error.next)
        }
        do {
            try BenchThread.detached(name: "ibb-rdma-session") { [self] in serve(logger: logger) }
        } catch {
            rdma_destroy_event_channel(channel)
            throw BenchError(.local, subject: subject, what: "cannot start its thread", next: "lower --max-clients or raise the thread limit")
        }
    }

    /// The listener hands over a connect request for this test: moved to this test's channel
    /// and queued; false (the listener rejects it) once the test is closing.
    func take(_ event: CMEvent, _ request: ConnectRequest) -> Bool {
        state.update { s -> Bool in
            guard !s.closed, !s.aborted, rdma_migrate_id(event.id, channel) == 0 else { return false }
            s.requests.append((event, request))
            return true
        }
    }

    func waitForDataPath(until deadline: Deadline) -> DataPathStatus {
        _ = state.wait(until: deadline) { $0.dataPath != .waiting || $0.aborted }
        return state.read { $0.dataPath }
    }

    func start() { state.update { $0.started = true } }

    func abort() {
        stop.raise()
        state.update { $0.aborted = true }
    }

    func results(until deadline: Deadline) -> [BenchResult] {
        if !state.wait(until: deadline, for: { $0.ended }) {
            stop.raise()
            _ = state.wait(until: .after(seconds: 2)) { $0.ended }
        }
        var r = BenchResult(test: "server.\(spec.kind)", tool: "ibbench", transport: .rdma,
                            parameters: ["side": "server", "stream": "0"])
        guard let tally = state.read({ $0.tally }) else {
            r.status = .error
            r.reason = "the run broke on the server"
            return [r]
        }
        r.duration = Double(tally.wallNanos) / 1e9
        r.metrics = [
            Metric("messages_received", Double(tally.received), .count),
            Metric("messages_corrupt", Double(tally.corrupt), .count),
            Metric("cpu", Double(tally.cpuNanos) / 1e9, .seconds),
            Metric("duration", Double(tally.wallNanos) / 1e9, .seconds),
        ]
        return [r]
    }

    /// The test's thread: accept, run, and release when the control session is done with it.
    private func serve(logger: Logger) {
        var session = ServerSession(spec: spec, channel: channel, subject: subject, logger: logger)
        acceptQPs(&session, logger: logger)
        var tally: ServerTally?
        if state.read({ $0.dataPath == .ready }), waitFor({ $0.started }) { tally = session.run(stop: stop) }
        state.update { $0.ended = true; $0.tally = tally }
        onEnd(self, tally != nil)
        _ = waitFor { _ in false }   // until aborted: the client disconnects after the results
        let unclaimed = state.update { s -> [(CMEvent, ConnectRequest)] in
            s.closed = true
            defer { s.requests = [] }
            return s.requests
        }
        for (event, _) in unclaimed { reject(event.id, .badRequest) }
        _ = consume session   // QPs, MR, buffer, CQ, PD, cm_ids, then the channel
    }

    private func acceptQPs(_ session: inout ServerSession, logger: Logger) {
        while session.acceptedQPs < spec.layout.qps {
            guard waitFor({ !$0.requests.isEmpty }) else { return }
            let next = state.update { s in s.requests.removeFirst() }
            do {
                try session.accept(next.0, request: next.1)
            } catch {
                logger.info("rdma: \(subject): \(error)")
                state.update { $0.dataPath = .failed(error.description) }
                return
            }
        }
        state.update { $0.dataPath = .ready }
    }

    /// Waits until `condition` holds (true) or the test is aborted (false). The control
    /// session bounds every phase with its deadlines and aborts the test when one passes.
    private func waitFor(_ condition: (State) -> Bool) -> Bool {
        while true {
            if state.wait(until: .after(seconds: 1), for: { condition($0) || $0.aborted }) {
                return state.read { !$0.aborted }
            }
        }
    }
}
