#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import SystemPackage
import SystemCalls

/// The server side of one TCP test: data connections attach to it by session cookie; each runs
/// its loop on the thread that accepted it, and reports back through the gate. They arrive on
/// the server's port, or on the test's own `dataPort` when it has one.
final class TCPServerTest: ServerTest, @unchecked Sendable {
    let plan: TestPlan
    let mode: TCPMode
    let session: [UInt8]
    private let dataPort: ConnectionAcceptor?
    var connectInfo: [String: String] { dataPort.map { ["tcp-port": String($0.port)] } ?? [:] }
    /// The client's window, congestion control and no-delay, for every accepted data connection
    /// (crr: every transaction's), prepared once.
    private let acceptedOptions: PreparedSocketOptions
    /// crr: the response every transaction gets, made once.
    private let crrResponse: [UInt8]
    private let expected: Int
    private let progress: [StreamProgress]

    private struct State {
        var attached = Set<Int>()
        var started = false
        var aborted = false
        var results: [Int: LoopResult] = [:]
        var running = 0
        /// Descriptors of the loops running now, by stream; a loop's entry goes before its
        /// socket closes, so a stop never shuts down a descriptor that was reused.
        var loopSockets: [Int: CInt] = [:]
    }
    private let state = Gate(State())

    /// Starts accepting on `dataPort`, which ends with the test (`abort`).
    init(plan: TestPlan, mode: TCPMode, session: [UInt8], dataPort: ConnectionAcceptor? = nil) throws(BenchError) {
        self.plan = plan
        self.mode = mode
        self.session = session
        self.dataPort = dataPort
        self.acceptedOptions = PreparedSocketOptions(accepted: SocketOptions(plan: plan.options))
        self.crrResponse = mode == .crr ? [UInt8](repeating: 0x5a, count: plan.response) : []
        self.expected = mode.connections(streams: plan.streams)
        self.progress = (0..<max(plan.streams, expected)).map { _ in StreamProgress() }
        guard let dataPort else { return }
        do {
            try BenchThread.detached(name: "ibb-tcp-port") { [self] in
                dataPort.run { [self] in attachOnDataPort($0) }
            }
        } catch {
            throw BenchError(.local, subject: "TCP data port", what: "cannot start its thread",
                             next: "lower --max-clients or raise the thread limit")
        }
    }

    /// A connection on the test's own port: it must attach to this test, like any data
    /// connection on the server's port (first frame within 10 s).
    private func attachOnDataPort(_ socket: consuming Socket) {
        var channel = ControlChannel(socket: socket)
        guard case .event(.message(.attach(let cookie, let stream))) = channel.receive(until: .after(seconds: 10)) else { return }
        guard cookie == session else {
            _ = channel.send(.error("unknown session; this port takes only its own test's data connections"),
                             until: .after(seconds: 2))
            return
        }
        let leftover = channel.decoder.takeRemaining()
        attach(channel.takeSocket(), stream: stream, leftover: leftover)
    }

    func waitForDataPath(until deadline: Deadline) -> DataPathStatus {
        let ready = state.wait(until: deadline) { $0.attached.count >= self.expected || $0.aborted } && !state.read { $0.aborted }
        return ready ? .ready : .waiting
    }

    func start() { state.update { $0.started = true } }

    func abort() {
        dataPort?.stop()
        stopLoops()
        state.update { $0.aborted = true }
    }

    /// Stops every running loop: the stop flag, then a shutdown that wakes the call it waits in.
    private func stopLoops() {
        for p in progress { p.stop.store(true, ordering: .relaxed) }
        state.update { s in for fd in s.loopSockets.values { shutdown(fd, CInt(SHUT_RDWR)) } }
    }

    func results(until deadline: Deadline) -> [BenchResult] {
        var done = state.wait(until: deadline) { $0.running == 0 && $0.results.count >= $0.attached.count }
        if !done {
            // Stragglers: stop them and give them a moment to report what they have.
            stopLoops()
            done = state.wait(until: .after(seconds: 2)) { $0.running == 0 }
        }
        let (results, attached) = state.read { ($0.results, $0.attached) }
        var out: [BenchResult] = []
        let streams = mode == .crr ? Array(0..<plan.streams) : attached.sorted()
        for i in streams {
            out.append(serverHalf(stream: i, result: results[i]))
        }
        abort()
        return out
    }

    private func serverHalf(stream i: Int, result: LoopResult?) -> BenchResult {
        var r = BenchResult(test: "server.\(mode.kind)", tool: "ibbench", transport: .tcp,
                            parameters: ["stream": String(i), "side": "server"])
        if mode == .crr {
            let n = progress[i].transactions.load(ordering: .relaxed)
            r.metrics = [Metric("transactions", Double(n), .count)]
            return r
        }
        guard let result else {
            r.status = .error
            r.reason = "stream \(i) did not report"
            return r
        }
        r.parameters["direction"] = mode.serverSends(index: i, streams: plan.streams) ? "send" : "receive"
        r.duration = result.seconds
        r.metrics = [
            Metric("bytes", Double(result.bytes), .bytes),
            Metric("duration", result.seconds, .seconds),
            Metric("transactions", Double(result.transactions), .count),
            Metric("cpu_user", Double(result.cpu.userNanos) / 1e9, .seconds),
            Metric("cpu_system", Double(result.cpu.systemNanos) / 1e9, .seconds),
            Metric("retransmits", Double(result.tcp.retransmits), .count),
            Metric("rtt", Double(result.tcp.rttMicros) * 1000, .nanoseconds),
        ]
        if result.errno != 0 {
            r.status = .error
            r.reason = "stream \(i): \(Errno(rawValue: result.errno).symbol)"
        }
        return r
    }

    /// Runs data connection `stream` on the calling (handler) thread until its loop ends.
    func attach(_ socket: consuming Socket, stream: Int, leftover: [UInt8]) {
        if mode == .crr {
            answerConnectRequest(socket, stream: stream, leftover: leftover)
            return
        }
        let accepted = state.update { s -> Bool in
            guard !s.aborted, stream >= 0, stream < expected, !s.attached.contains(stream) else { return false }
            s.attached.insert(stream)
            s.running += 1
            return true
        }
        guard accepted else { return }
        defer { state.update { $0.running -= 1 } }
        do {
            try acceptedOptions.apply(to: socket.fd)
        } catch {
            state.update { $0.results[stream] = LoopResult(errno: error.rawValue) }
            return
        }
        guard state.wait(until: .after(seconds: 15), for: { $0.started || $0.aborted }),
              !state.read({ $0.aborted }) else { return }
        if let cpu = plan.serverCPU { pinCurrentThread(to: cpu) }
        // Registered under the lock that `stopLoops` shuts sockets down under, after it has
        // set the flags: a stop either finds this socket or has already set its flag.
        let fd = socket.fd
        let p = progress[stream]
        guard state.update({ s -> Bool in
            guard !p.stop.load(ordering: .relaxed) else { return false }
            s.loopSockets[stream] = fd
            return true
        }) else {
            state.update { $0.results[stream] = LoopResult(errno: ECANCELED) }
            return
        }
        let r = runLoop(fd: fd, stream: stream, leftover: leftover)
        state.update {
            $0.loopSockets[stream] = nil
            $0.results[stream] = r
        }
    }

    private func runLoop(fd: CInt, stream: Int, leftover: [UInt8]) -> LoopResult {
        let now = monotonicNanos()
        var limits = LoopLimits(omitNanos: UInt64(plan.omit * 1e9),
                                hardStopNanos: now &+ UInt64(plan.timeLimit * 1e9))
        let p = progress[stream]
        switch mode {
        case .rr:
            let req = makePayload(size: plan.request), resp = makePayload(size: plan.response)
            defer { req.deallocate(); resp.deallocate() }
            return requestResponseServerLoop(fd: fd, request: req, response: UnsafeRawBufferPointer(resp),
                                             busyPoll: plan.options["busypoll"] == "1", limits: limits, progress: p)
        case .stream, .reverse, .bidir:
            if mode.serverSends(index: stream, streams: plan.streams) {
                if let bytes = plan.bytes { limits.byteLimit = bytes } else {
                    limits.endNanos = now &+ UInt64((plan.duration + plan.omit) * 1e9)
                }
                let buf = makePayload(size: plan.size)
                defer { buf.deallocate() }
                let file = plan.options["zerocopy"] == "1" ? makeZeroCopyFile(size: plan.size) : nil
                defer { if let file { close(file) } }
                return sendLoop(fd: fd, buffer: UnsafeRawBufferPointer(buf), sendfileFrom: file, limits: limits, progress: p)
            }
            let buf = makePayload(size: receiveBufferSize(plan.size))
            defer { buf.deallocate() }
            return receiveLoop(fd: fd, buffer: buf, limits: limits, progress: p)
        case .crr:
            return LoopResult()
        }
    }

    /// One crr transaction: the request (part may have come with the attach frame), the
    /// response, close. The server closes first, so TIME_WAIT stays on this side.
    private func answerConnectRequest(_ socket: consuming Socket, stream: Int, leftover: [UInt8]) {
        guard stream >= 0, stream < progress.count, !state.read({ $0.aborted }) else { return }
        // As on the long-lived connections of the other modes; a socket that refuses them is
        // closed unanswered, which ends the client's transaction with an error.
        guard (try? acceptedOptions.apply(to: socket.fd)) != nil else { return }
        var have = leftover.count
        let deadline = Deadline.after(seconds: 5)
        while have < plan.request {
            guard let more = try? socket.readSome(max: plan.request - have, until: deadline), !more.isEmpty else { return }
            have += more.count
        }
        // Counted before the response goes: the client can ask for the results as soon as it
        // has the last response, and they must hold that transaction. A write that fails
        // takes it back.
        progress[stream].transactions.wrappingAdd(1, ordering: .relaxed)
        guard (try? socket.writeAll(crrResponse, until: deadline)) != nil else {
            progress[stream].transactions.wrappingSubtract(1, ordering: .relaxed)
            return
        }
    }
}
