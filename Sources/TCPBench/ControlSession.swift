import BenchCore
import Logging

/// Runs one control connection on the server: joins the socket to a `ControlServerMachine`
/// and the test its transport makes. Every state has a deadline from the machine.
struct ControlSession {
    private var machine: ControlServerMachine
    private let registry: TransportRegistry
    private let logger: Logger
    private var test: (any ServerTest)?

    init(registry: TransportRegistry, token: String?, logger: Logger) {
        self.registry = registry
        self.logger = logger
        machine = ControlServerMachine(nonce: randomBytes(16), token: token, knownKinds: registry.kinds)
    }

    mutating func run(_ channel: inout ControlChannel) {
        var pending = machine.received(.hello(software: ""))
        while true {
            while !pending.isEmpty {
                switch perform(pending.removeFirst(), &channel) {
                case .next(let more): pending.append(contentsOf: more)
                case .end:
                    test?.abort()
                    return
                case .none: break
                }
            }
            if machine.state == .done { test?.abort(); return }
            let deadline = Deadline.after(seconds: machine.waitLimit)
            switch machine.state {
            case .awaitingDataPath:
                pending = (test?.waitForDataPath(until: deadline) ?? false) ? machine.dataPathReady() : machine.deadlinePassed()
            case .collecting:
                let results = test?.results(until: deadline) ?? []
                pending = machine.resultsReady(SubunitResults.stream(results.map { ($0, $0.parameters["stream"]) }))
            default:
                switch channel.receive(until: deadline) {
                case .event(let e): pending = machine.received(e)
                case .closed: pending = machine.peerClosed()
                case .timedOut: pending = machine.deadlinePassed()
                }
            }
        }
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
            let session = randomBytes(16)
            do {
                let t = try transport.makeServerTest(plan: plan, session: session)
                test = t
                logger.info("test accepted", metadata: ["kind": "\(plan.kind)", "streams": "\(plan.streams)"])
                return .next(machine.prepared(plan: plan, session: session, info: t.connectInfo))
            } catch {
                return .next(machine.prepareFailed(error.description))
            }
        case .startTest:
            test?.start()
        case .abortTest:
            test?.abort()
        case .collectResults:
            break   // the run loop collects in the `.collecting` state, bounded by its deadline
        case .close:
            return .end
        }
        return nil
    }
}
