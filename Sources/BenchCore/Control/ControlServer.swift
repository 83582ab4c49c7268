/// The server's half of the control protocol as a pure state machine: events in, actions out;
/// no sockets and no clock. The runner does the I/O, arms a deadline of `waitLimit` seconds for
/// the current state, and reports `deadlinePassed()` when it expires.
public struct ControlServerMachine: Sendable {
    public enum State: Equatable, Sendable {
        case awaitingHello, awaitingAuth, awaitingSetup, preparing
        case awaitingDataPath(TestPlan), awaitingStart(TestPlan), running(TestPlan)
        case collecting, done
    }

    public enum Action: Equatable, Sendable {
        case send(ControlMessage)
        /// Send this final message, then close the connection.
        case sendAndClose(ControlMessage)
        /// Make the test (its transport's server side); answer with `prepared` or `prepareFailed`.
        case prepare(TestPlan)
        /// Every data connection is in: start the test.
        case startTest
        /// Abandon the test: stop its threads, discard it.
        case abortTest
        /// The client is done: collect the server's half (with a deadline), answer `resultsReady`.
        case collectResults
        case close
    }

    public private(set) var state = State.awaitingHello
    private let nonce: [UInt8]
    private let token: String?
    private let knownKinds: Set<String>

    /// `nonce`: fresh random bytes for this connection; `token`: the shared secret, if any;
    /// `knownKinds`: the test kinds registered with this server.
    public init(nonce: [UInt8], token: String?, knownKinds: Set<String>) {
        self.nonce = nonce
        self.token = token
        self.knownKinds = knownKinds
    }

    /// Seconds the runner waits in the current state before `deadlinePassed()`.
    public var waitLimit: Double {
        switch state {
        case .awaitingHello, .awaitingAuth, .awaitingSetup, .preparing: 10
        case .awaitingDataPath, .awaitingStart: 15
        case .running(let plan): plan.timeLimit
        case .collecting: 10
        case .done: 0
        }
    }

    public mutating func received(_ event: ControlFrameDecoder.Event) -> [Action] {
        switch event {
        case .versionMismatch(let theirs, _):
            return fail("control protocol version \(theirs) not supported: this server speaks version \(ControlFrame.version); use an ibbench of the same release on both ends")
        case .invalid(let why):
            return fail("\(why); is this an ibbench client?")
        case .message(let m):
            return received(m)
        }
    }

    public mutating func received(_ message: ControlMessage) -> [Action] {
        switch (state, message) {
        case (.awaitingHello, .hello):
            state = .awaitingAuth
            return [.send(.challenge(nonce: nonce, tokenRequired: token != nil))]
        case (.awaitingAuth, .auth(let proof)):
            if let token, !TokenProof.matches(TokenProof.proof(token: token, nonce: nonce), proof) {
                return fail("token rejected: the proof does not match this server's token; pass the server's --token or --token-file")
            }
            state = .awaitingSetup
            return [.send(.welcome)]
        case (.awaitingSetup, .setup(let plan)):
            guard knownKinds.contains(plan.kind) else {
                return fail("test kind \(plan.kind) unknown to this server (it runs \(knownKinds.sorted().joined(separator: ", "))); upgrade the server")
            }
            if let problem = plan.validationProblem() { return fail("setup refused: \(problem)") }
            state = .preparing
            return [.prepare(plan)]
        case (.running, .finished):
            state = .collecting
            return [.collectResults]
        case (.awaitingDataPath, .stop), (.awaitingStart, .stop), (.running, .stop):
            state = .done
            return [.abortTest, .close]
        case (.awaitingStart(let plan), .start):
            state = .running(plan)
            return [.startTest]
        case (_, .error):
            let abort = hasTest
            state = .done
            return (abort ? [.abortTest] : []) + [.close]
        default:
            return fail("unexpected \(message.name) message while \(phase)")
        }
    }

    /// The transport made the test; `session` is the cookie data connections attach with.
    public mutating func prepared(plan: TestPlan, session: [UInt8], info: [String: String]) -> [Action] {
        guard case .preparing = state else { return [] }
        state = .awaitingDataPath(plan)
        return [.send(.accepted(session: session, info: info))]
    }

    public mutating func prepareFailed(_ reason: String) -> [Action] {
        guard case .preparing = state else { return [] }
        state = .done
        return [.sendAndClose(.error(reason))]
    }

    /// Every data connection of the test is in.
    public mutating func dataPathReady() -> [Action] {
        guard case .awaitingDataPath(let plan) = state else { return [] }
        state = .awaitingStart(plan)
        return [.send(.ready)]
    }

    /// The test's data path cannot come up; the client hears why.
    public mutating func dataPathFailed(_ reason: String) -> [Action] {
        guard case .awaitingDataPath = state else { return [] }
        return fail("data path failed: \(reason)")
    }

    /// The server's half of the results, as subunit bytes.
    public mutating func resultsReady(_ subunit: [UInt8]) -> [Action] {
        guard case .collecting = state else { return [] }
        state = .done
        return [.sendAndClose(.results(subunit: subunit))]
    }

    public mutating func deadlinePassed() -> [Action] {
        let what: String
        switch state {
        case .awaitingHello, .awaitingAuth, .awaitingSetup: what = "client silent for \(Int(waitLimit)) s during the handshake"
        case .preparing: what = "test setup took longer than \(Int(waitLimit)) s"
        case .awaitingDataPath: what = "data connections did not arrive within \(Int(waitLimit)) s"
        case .awaitingStart: what = "client did not start within \(Int(waitLimit)) s"
        case .running: what = "test outlived its time limit of \(Int(waitLimit)) s"
        case .collecting: what = "results not ready within \(Int(waitLimit)) s"
        case .done: return []
        }
        return fail("\(what); closing")
    }

    /// The client's connection ended (EOF or reset).
    public mutating func peerClosed() -> [Action] {
        let abort = hasTest
        state = .done
        return (abort ? [.abortTest] : []) + [.close]
    }

    private var hasTest: Bool {
        switch state {
        case .awaitingDataPath, .awaitingStart, .running, .collecting: true
        default: false
        }
    }

    private var phase: String {
        switch state {
        case .awaitingHello: "awaiting hello"
        case .awaitingAuth: "awaiting auth"
        case .awaitingSetup: "awaiting setup"
        case .preparing: "preparing the test"
        case .awaitingDataPath: "awaiting data connections"
        case .awaitingStart: "awaiting start"
        case .running: "running"
        case .collecting: "collecting results"
        case .done: "done"
        }
    }

    private mutating func fail(_ text: String) -> [Action] {
        let abort = hasTest
        state = .done
        return (abort ? [.abortTest] : []) + [.sendAndClose(.error(text))]
    }
}
