/// The client's half of the control protocol as a pure state machine (no sockets, no clock).
/// The runner sends what it is told, arms a deadline of `waitLimit` seconds per state, and
/// reports data-path progress with `dataPathAttached()` and `streamsFinished()`.
public struct ControlClientMachine: Sendable {
    public enum State: Equatable, Sendable {
        case idle, awaitingChallenge, awaitingWelcome, awaitingAccepted, attaching
        case awaitingReady, running, awaitingResults, done
    }

    public enum Outcome: Equatable, Sendable {
        /// The server's half of the results (subunit bytes).
        case completed(serverResults: [UInt8])
        /// The server is at its client limit.
        case busy(String)
        /// Refused, lost or timed out: one line saying what happened.
        case failed(String)
    }

    public enum Action: Equatable, Sendable {
        case send(ControlMessage)
        /// Open `plan.streams` data connections, each sending `attach(session, i)` first.
        case attachDataPath(session: [UInt8], info: [String: String])
        /// Start the data threads (the server has been told `start`).
        case startStreams
        /// Stop the data threads now (abort); partial results are kept.
        case stopStreams
        case finish(Outcome)
    }

    public private(set) var state = State.idle
    public let plan: TestPlan
    private let token: String?
    private let software: String
    private let resultsTimeout: Double?

    /// `resultsTimeout`: how long a silent server gets to send its results once the data
    /// threads end; by default what the plan's time limit adds to its duration, 15 s at most.
    public init(plan: TestPlan, token: String?, software: String = "ibbench", resultsTimeout: Double? = nil) {
        self.plan = plan
        self.token = token
        self.software = software
        self.resultsTimeout = resultsTimeout
    }

    /// Seconds the runner waits in the current state before `deadlinePassed()`.
    public var waitLimit: Double {
        switch state {
        // A server answers the handshake at once; a silent one gets --timeout, at most 10 s.
        case .idle, .awaitingChallenge, .awaitingWelcome, .awaitingAccepted: min(10, silentPeerLimit)
        case .attaching, .awaitingReady: 10
        case .running: plan.timeLimit
        // A live server answers `finished` at once; a silent one gets the test's own timeout.
        case .awaitingResults: resultsTimeout ?? min(15, silentPeerLimit)
        case .done: 0
        }
    }

    /// The test's --timeout: how long a silent peer is waited for.
    private var silentPeerLimit: Double { resultsTimeout ?? max(1, plan.timeLimit - plan.duration) }

    /// `10`, `0.5`: a wait as the error names it.
    private var shownWait: String { waitLimit >= 1 && waitLimit == waitLimit.rounded() ? String(Int(waitLimit)) : Units.settingSeconds(waitLimit) }

    public mutating func connected() -> [Action] {
        guard state == .idle else { return [] }
        state = .awaitingChallenge
        return [.send(.hello(software: software))]
    }

    public mutating func received(_ event: ControlFrameDecoder.Event) -> [Action] {
        switch event {
        case .versionMismatch(let theirs, let text):
            let said = text.map { ": \($0)" } ?? ""
            return end(.failed("server speaks control protocol version \(theirs), this client \(ControlFrame.version)\(said); use an ibbench of the same release on both ends"))
        case .invalid(let why):
            return end(.failed("\(why); is the peer an ibbench server?"))
        case .message(let m):
            return received(m)
        }
    }

    public mutating func received(_ message: ControlMessage) -> [Action] {
        switch (state, message) {
        case (.awaitingChallenge, .challenge(let nonce, let required)):
            if required && token == nil {
                return end(.failed("server requires a token; pass --token or --token-file"))
            }
            state = .awaitingWelcome
            let proof = token.map { TokenProof.proof(token: $0, nonce: nonce) } ?? []
            return [.send(.auth(proof: proof))]
        case (.awaitingWelcome, .welcome):
            state = .awaitingAccepted
            return [.send(.setup(plan))]
        case (.awaitingAccepted, .accepted(let session, let info)):
            state = .attaching
            return [.attachDataPath(session: session, info: info)]
        case (.awaitingReady, .ready):
            state = .running
            return [.send(.start), .startStreams]
        case (.awaitingResults, .results(let bytes)):
            state = .done
            return [.finish(.completed(serverResults: bytes))]
        case (_, .busy(let text)):
            return end(.busy(text))
        case (_, .error(let text)):
            return end(.failed("server: \(text)"))
        default:
            return end(.failed("server sent an unexpected \(message.name) message; is it the same ibbench release?"))
        }
    }

    /// All data connections are open and have sent `attach`.
    public mutating func dataPathAttached() -> [Action] {
        guard state == .attaching else { return [] }
        state = .awaitingReady
        return []
    }

    /// Opening or starting the data path failed (connection refused, no thread, …).
    public mutating func dataPathFailed(_ reason: String) -> [Action] {
        guard state == .attaching || state == .running else { return [] }
        return end(.failed(reason), notify: true)
    }

    /// The client's data threads ended normally.
    public mutating func streamsFinished() -> [Action] {
        guard state == .running else { return [] }
        state = .awaitingResults
        return [.send(.finished)]
    }

    public mutating func deadlinePassed() -> [Action] {
        let what: String
        switch state {
        case .idle, .awaitingChallenge, .awaitingWelcome, .awaitingAccepted:
            what = "server silent for \(shownWait) s during the handshake; is it an ibbench server?"
        case .attaching: what = "data connections not open within \(shownWait) s; check firewalls for the port"
        case .awaitingReady: what = "server did not confirm the data connections within \(shownWait) s"
        case .running: what = "test outlived its time limit of \(shownWait) s; the peer may be gone"
        case .awaitingResults: what = "server sent no results within \(shownWait) s; the peer may be gone"
        case .done: return []
        }
        return end(.failed(what), notify: true)
    }

    /// The control connection ended (EOF or reset).
    public mutating func peerClosed() -> [Action] {
        end(.failed("server closed the control connection; the peer may have died"))
    }

    private mutating func end(_ outcome: Outcome, notify: Bool = false) -> [Action] {
        guard state != .done else { return [] }
        let wasRunning = state == .running || state == .awaitingReady || state == .attaching
        state = .done
        var actions: [Action] = []
        if wasRunning { actions.append(.stopStreams) }
        if notify { actions.append(.send(.stop)) }
        actions.append(.finish(outcome))
        return actions
    }
}
