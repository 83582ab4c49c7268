import Logging

/// Runs one control connection on the server: joins the socket to a `ControlServerMachine`
/// and the test its transport makes. Every state has a deadline from the machine.
struct ControlSession {
    private var machine: ControlServerMachine
    private let registry: TransportRegistry
    private let sessions: SessionTable
    private let logger: Logger
    private var test: (any ServerTest)?

    init(registry: TransportRegistry, sessions: SessionTable, token: String?, logger: Logger) {
        self.registry = registry
        self.sessions = sessions
        self.logger = logger
        machine = ControlServerMachine(nonce: randomBytes(16), token: token, knownKinds: registry.kinds)
    }

    mutating func run(_ channel: inout ControlChannel) {
        defer { end() }
        var pending = machine.received(.hello(software: ""))
        while true {
            while !pending.isEmpty {
                switch perform(pending.removeFirst(), &channel) {
                case .next(let more): pending.append(contentsOf: more)
                case .end: return
                case .none: break
                }
            }
            if machine.state == .done { return }
            let deadline = Deadline.after(seconds: machine.waitLimit)
            switch machine.state {
            case .awaitingDataPath:
                pending = awaitDataPath(&channel, until: deadline)
            case .collecting:
                let results = test?.results(until: deadline) ?? []
                pending = machine.resultsReady(SubunitResults.stream(results.map { ($0, $0.parameters["stream"]) }))
            default:
                pending = receive(&channel, until: deadline)
            }
        }
    }

    /// The test ends with its control connection: its resources go, and no data connection
    /// can find it any more.
    private mutating func end() {
        guard let test else { return }
        sessions.remove(test.session)
        test.abort()
        self.test = nil
    }

    private mutating func receive(_ channel: inout ControlChannel, until deadline: Deadline) -> [ControlServerMachine.Action] {
        switch channel.receive(until: deadline) {
        case .event(let e): machine.received(e)
        case .closed: machine.peerClosed()
        case .timedOut: machine.deadlinePassed()
        }
    }

    /// Waits for the data path in short slices, reading the control connection between them: a
    /// client whose data path failed says `stop` (or is gone), and its slot is free at once.
    private mutating func awaitDataPath(_ channel: inout ControlChannel, until deadline: Deadline) -> [ControlServerMachine.Action] {
        guard let test else { return machine.deadlinePassed() }
        while !deadline.hasPassed {
            switch test.waitForDataPath(until: min(deadline, .after(seconds: 0.05))) {
            case .ready: return machine.dataPathReady()
            case .failed(let why): return machine.dataPathFailed(why)
            case .waiting: break
            }
            switch channel.receive(until: .after(seconds: 0)) {
            case .timedOut: continue
            case .event(let e): return machine.received(e)
            case .closed: return machine.peerClosed()
            }
        }
        return machine.deadlinePassed()
    }

    private enum Step { case next([ControlServerMachine.Action]), end }

    private mutating func perform(_ action: ControlServerMachine.Action, _ channel: inout ControlChannel) -> Step? {
        switch action {
        case .send(let m):
            if !channel.send(m) { return .next(machine.peerClosed()) }
        case .sendAndClose(let m):
            if case .error(let text) = m { logger.info("control session ended", metadata: ["reason": "\(text)"]) }
            _ = channel.send(m, until: .after(seconds: 2))
            return .end
        case .prepare(let plan):
            guard let transport = registry.transport(for: plan.kind) else {
                return .next(machine.prepareFailed("test kind \(plan.kind) has no transport on this server"))
            }
            if let why = SocketOptions.planProblem(plan.options) {
                return .next(machine.prepareFailed("\(plan.kind): \(why)"))
            }
            if let cpu = plan.serverCPU, let why = cpuUnavailable(cpu) {
                return .next(machine.prepareFailed("--cpu ...,\(cpu): on the server, \(why)"))
            }
            let session = randomBytes(16)
            do {
                let t = try transport.makeServerTest(plan: plan, session: session)
                test = t
                sessions.add(t)
                logger.info("test accepted", metadata: ["kind": "\(plan.kind)", "streams": "\(plan.streams)"])
                return .next(machine.prepared(plan: plan, session: session, info: t.connectInfo))
            } catch {
                return .next(machine.prepareFailed(error.description))
            }
        case .startTest:
            test?.start()
        case .abortTest:
            end()
        case .collectResults:
            break   // the run loop collects in the `.collecting` state, bounded by its deadline
        case .close:
            return .end
        }
        return nil
    }
}
