#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import CDatagrams
import SystemPackage
import SystemCalls

/// UDP as a `Transport`: makes the server side of `udp.*` tests, each stream on a socket of
/// its own whose port goes to the client in `accepted`.
package struct UDPTransport: Transport {
    /// Local address of the data sockets (`serve --bind`); every address when nil.
    let bind: String?
    /// `serve --dev`.
    let device: String?

    package var kinds: [String] { UDPMode.allCases.map(\.kind) }

    package init(bind: String? = nil, device: String? = nil) {
        self.bind = bind
        self.device = device
    }

    package func makeServerTest(plan: TestPlan, session: [UInt8]) throws(BenchError) -> any ServerTest {
        guard let mode = UDPMode(kind: plan.kind) else {
            throw BenchError(.usage, subject: plan.kind, what: "not a UDP test", next: "use one of \(kinds.joined(separator: ", "))")
        }
        if let problem = UDPTestOptions.planProblem(plan) {
            throw BenchError(.usage, subject: plan.kind, what: problem, next: "check the client's --size, --request and --response")
        }
        return try UDPServerTest(plan: plan, mode: mode, session: session, sockets: openSockets(plan: plan, mode: mode))
    }

    private func openSockets(plan: TestPlan, mode: UDPMode) throws(BenchError) -> [CInt] {
        let window = SocketOptions(plan: plan.options).window
        let options: PreparedSocketOptions
        do { options = try PreparedSocketOptions(SocketOptions(window: window, device: device)) } catch {
            throw BenchError(.local, subject: "UDP data socket", what: "cannot apply the socket options", errnoName: error.symbol,
                             next: "check --window and serve --dev")
        }
        var fds: [CInt] = []
        do {
            for i in 0..<mode.sockets(streams: plan.streams) {
                let socket = try bindOne(options: options)
                let receivesStream = mode.isStream && !mode.serverSends(index: i, streams: plan.streams)
                if receivesStream && window == nil { try UDPSocket.askForStreamReceiveBuffer(socket) }
                fds.append(socket.release())
            }
        } catch {
            for fd in fds { close(fd) }
            throw BenchError(.local, subject: "UDP data socket", what: "cannot bind", errnoName: error.symbol,
                             next: "check serve --bind and the descriptor limit")
        }
        return fds
    }

    private func bindOne(options: PreparedSocketOptions) throws(Errno) -> Socket {
        try Socket.onServerAddress(bind: bind) { address throws(Errno) in try UDPSocket.bound(to: address, options: options) }
    }
}

/// The server side of one UDP test: one thread per socket, which waits for the client's
/// probe, connects its socket to the prober and answers, then receives (stream), sends for
/// the test's duration (reverse; bidir does both, on sockets of their own) or answers
/// requests (rr) until the test ends. Ending it shuts the sockets down, which makes each
/// receiving loop read what is queued and stop.
final class UDPServerTest: ServerTest, @unchecked Sendable {
    let plan: TestPlan
    let mode: UDPMode
    let session: [UInt8]
    private let fds: [CInt]
    private let ports: [UInt16]
    private let progress: [StreamProgress]

    private struct State {
        var joined = Set<Int>()
        var started = false
        var aborted = false
        var ended = false
        var results: [Int: UDPLoopResult] = [:]
        var running = 0
    }
    private let state = Gate(State())

    var connectInfo: [String: String] { ["udp-ports": ports.map(String.init).joined(separator: ",")] }

    init(plan: TestPlan, mode: UDPMode, session: [UInt8], sockets: [CInt]) throws(BenchError) {
        self.plan = plan
        self.mode = mode
        self.session = session
        self.fds = sockets
        self.ports = sockets.map { fd in (try? Socket(adopting: dup(fd)).localPort()) ?? 0 }
        self.progress = sockets.map { _ in StreamProgress() }
        for i in sockets.indices {
            state.update { $0.running += 1 }
            do {
                // Each thread holds the test until its loop ends; the last one out closes the sockets.
                try BenchThread.detached(name: "ibb-udp-\(i)", stackBytes: 512 * 1024) { [self] in serveStream(i) }
            } catch {
                state.update { $0.running -= 1 }
                abort()
                throw BenchError(.local, subject: "UDP stream \(i)", what: "cannot start its thread", next: "lower -P")
            }
        }
    }

    deinit { for fd in fds { close(fd) } }

    func waitForDataPath(until deadline: Deadline) -> DataPathStatus {
        let ready = state.wait(until: deadline) { $0.joined.count >= self.fds.count || $0.aborted }
        if state.read({ $0.aborted }) { return .failed("the UDP data path was abandoned") }
        return ready ? .ready : .waiting
    }

    func start() { state.update { $0.started = true } }

    func abort() {
        state.update { $0.aborted = true }
        endLoops(stopping: Array(fds.indices))
    }

    /// Whether this end sends on socket `i`.
    private func sends(_ i: Int) -> Bool { mode.serverSends(index: i, streams: plan.streams) }

    /// Ends every loop: those in `stopping` at once, the others once they have read what is queued.
    private func endLoops(stopping: [Int]) {
        for i in stopping { progress[i].stop.store(true, ordering: .relaxed) }
        state.update { $0.ended = true }
        for fd in fds { shutdown(fd, CInt(SHUT_RDWR)) }
    }

    func results(until deadline: Deadline) -> [BenchResult] {
        // The client asks once it has received all it will: a sender still sending (its clock
        // ran behind the client's) stops, rather than failing on the shut socket; a receiver
        // first reads what is queued.
        endLoops(stopping: fds.indices.filter(sends))
        if !state.wait(until: deadline, for: { $0.running == 0 }) {
            endLoops(stopping: Array(fds.indices))
            _ = state.wait(until: .after(seconds: 2)) { $0.running == 0 }
        }
        let results = state.read { $0.results }
        return fds.indices.map { serverHalf(stream: $0, result: results[$0]) }
    }

    private func serverHalf(stream i: Int, result: UDPLoopResult?) -> BenchResult {
        var r = BenchResult(test: "server.\(mode.kind)", tool: "ibbench", transport: .udp,
                            parameters: ["stream": String(i), "side": "server"])
        guard let result else {
            r.status = .error
            r.reason = "stream \(i) did not report"
            return r
        }
        r.duration = result.seconds
        if sends(i) {
            r.metrics = [
                Metric("datagrams_sent", Double(result.datagrams), .count),
                Metric("bytes_sent", Double(result.bytes), .bytes),
                Metric("sends_refused", Double(result.sendsRefused), .count),
            ]
        } else {
            r.metrics = [
                Metric("datagrams_received", Double(result.datagrams), .count),
                Metric("bytes", Double(result.bytes), .bytes),
                Metric("out_of_order", Double(result.sequence.outOfOrder), .count),
                Metric("jitter", result.jitterNanos, .nanoseconds),
                Metric("transactions", Double(result.transactions), .count),
            ]
        }
        r.metrics += [
            Metric("duration", result.seconds, .seconds),
            Metric("cpu_user", Double(result.cpu.userNanos) / 1e9, .seconds),
            Metric("cpu_system", Double(result.cpu.systemNanos) / 1e9, .seconds),
        ]
        if result.errno != 0 && result.errno != ECANCELED {
            r.status = .error
            r.reason = "stream \(i): \(Errno(rawValue: result.errno).symbol)"
        }
        return r
    }

    /// Stream `i`'s thread: join, then measure; whatever happens, its result is recorded.
    private func serveStream(_ i: Int) {
        var result = UDPLoopResult()
        if join(i) && waitForStart(i) {
            if let cpu = plan.serverCPU { _ = pinCurrentThread(to: cpu) }
            result = measure(i)
        } else {
            result.errno = state.read({ $0.aborted || $0.ended }) ? ECANCELED : ETIMEDOUT
        }
        state.update {
            $0.results[i] = result
            $0.running -= 1
        }
    }

    private var stopped: Bool { state.read { $0.aborted || $0.ended } }

    /// Waits (10 s at most) for stream `i`'s probe, connects to its sender and echoes it.
    private func join(_ i: Int) -> Bool {
        let deadline = Deadline.after(seconds: 10)
        let expected = UDPWire.probe(session: session, stream: i)
        while !deadline.hasPassed && !stopped {
            guard let got = try? UDPSocket.receive(fds[i], until: min(deadline, .after(seconds: 0.1))) else { continue }
            guard got.bytes == expected else { continue }   // a stranger's datagram: dropped
            let connected = (try? sys { got.from.withSockaddr { sa, len in connect(fds[i], sa, len) } }) != nil
            guard connected else { return false }
            _ = send(fds[i], expected, expected.count, 0)
            state.update { _ = $0.joined.insert(i) }
            return true
        }
        return false
    }

    /// Until `start`: echoes repeated probes (the client's answer may have been lost). Data that
    /// arrives first (the client starts as soon as it has sent `start`) begins the measurement.
    private func waitForStart(_ i: Int) -> Bool {
        let deadline = Deadline.after(seconds: 15)
        while !deadline.hasPassed {
            if state.read({ $0.started }) { return true }
            if stopped { return false }
            guard let got = try? UDPSocket.receive(fds[i], until: min(deadline, .after(seconds: 0.02)), peek: true) else {
                continue
            }
            let isProbe = got.bytes.count == UDPWire.probeSize && got.bytes.starts(with: UDPWire.magic)
            guard isProbe else { return true }
            _ = try? UDPSocket.receive(fds[i], until: .after(seconds: 0))
            _ = send(fds[i], got.bytes, got.bytes.count, 0)
        }
        return false
    }

    private func measure(_ i: Int) -> UDPLoopResult {
        let hardStop = monotonicNanos() &+ UInt64(plan.timeLimit * 1e9)
        switch mode {
        case .stream, .reverse, .bidir:
            guard sends(i) else {
                return receiveStream(fd: fds[i], size: plan.size, hardStop: hardStop, progress: progress[i])
            }
            let buffer = makePayload(size: plan.size)
            defer { buffer.deallocate() }
            let end = min(monotonicNanos() &+ UInt64(plan.duration * 1e9), hardStop)
            return sendDatagrams(fd: fds[i], buffer: buffer, bitsPerSecond: UDPTestOptions.planRate(plan) ?? 0, endNanos: end,
                                 progress: progress[i])
        case .rr:
            let request = makePayload(size: max(plan.request, UDPWire.probeSize) + 1)
            let response = makePayload(size: plan.response)
            defer { request.deallocate(); response.deallocate() }
            return answerDatagrams(fd: fds[i], request: request, response: response, hardStop: hardStop, progress: progress[i])
        }
    }
}
