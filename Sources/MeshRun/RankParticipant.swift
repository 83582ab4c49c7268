#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Logging
import Mesh
import SystemPackage

/// How a rank's part in a run ended.
public enum RankEnd: Sendable, Equatable {
    /// The coordinator said the run is over; `status` is the run's exit status.
    case done(status: Int)
    /// The coordinator could not be reached, refused this rank, or was lost: why.
    case lost(String)
}

/// What every rank (rank 0 included) does besides serving: join the coordinator, then run
/// the tests it is told to, one job at a time, until it hears `done`. Each wait has a
/// deadline, so a coordinator that dies or hangs ends the rank too.
struct RankParticipant {
    let rank: Int
    let host: String
    let coordinator: SocketAddress
    /// This rank's own address: the tests and the control connection leave from it.
    let localAddress: String?
    let token: String?
    /// How long to keep trying to reach the coordinator: ranks may start before rank 0.
    let connectFor: Double
    /// How long the plan may take after joining: rank 0 sends it when its join phase ends.
    let planWait: Double
    /// Whether SIGINT/SIGTERM ends this participant; not rank 0's, which the coordinator ends
    /// with `done` after writing the partial results.
    let stopsOnSignal: Bool
    let tests: (MeshTestSpec) -> LinkTests
    let logger: Logger

    /// The label of the mesh's HMAC proof, so that a proof made for a benchmark server is
    /// useless to the coordinator and the other way round.
    static let proofLabel = "ibbench-mesh-v1"

    func run() -> RankEnd {
        let socket: Socket
        do { socket = try connect() } catch { return .lost(error.description) }
        var channel = ControlChannel(socket: socket)
        guard channel.send(.hello(software: "ibbench \(ibkitVersion)")) else { return .lost("coordinator closed the connection") }
        switch receive(&channel, seconds: 10) {
        case .message(.challenge(let nonce, let required)):
            if required && token == nil { return .lost("the coordinator requires a token; pass --token or --token-file") }
            let proof = token.map { TokenProof.proof(token: $0, nonce: nonce, label: Self.proofLabel) } ?? []
            _ = channel.send(.auth(proof: proof))
        case let other: return .lost(other.why(waitingFor: "challenge"))
        }
        switch receive(&channel, seconds: 10) {
        case .message(.welcome): _ = channel.send(.join(rank: rank, host: host))
        case let other: return .lost(other.why(waitingFor: "welcome"))
        }
        let plan: MeshPlanDocument
        switch receive(&channel, seconds: planWait) {
        case .message(.meshPlan(let json)):
            guard let p = MeshDocuments.decode(MeshPlanDocument.self, json) else { return .lost("the coordinator's plan does not parse") }
            plan = p
        case let other: return .lost(other.why(waitingFor: "plan"))
        }
        logger.info("joined the mesh", metadata: ["rank": "\(rank)", "hosts": "\(plan.hosts.count)"])
        while true {
            switch receive(&channel, seconds: plan.silenceLimit) {
            case .message(.runPair(let json)):
                guard let job = MeshDocuments.decode(PairJob.self, json) else {
                    _ = channel.send(.error("run-pair document does not parse"))
                    return .lost("the coordinator sent a run-pair this rank cannot read")
                }
                let report = tests(job.spec).run(job)
                guard channel.send(.pairResult(json: MeshDocuments.encode(report))) else {
                    return .lost("coordinator lost while reporting \(job.from)-\(job.to)")
                }
            case .message(.done(let status)):
                return .done(status: status)
            case let other:
                return .lost(other.why(waitingFor: "its next job"))
            }
        }
    }

    /// Connects, retrying until `connectFor` has passed (rank 0 may not be up yet).
    private func connect() throws(BenchError) -> Socket {
        let deadline = Deadline.after(seconds: connectFor)
        var last = Errno.connectionRefused
        while !deadline.hasPassed && !(stopsOnSignal && StopRequest.isRequested) {
            do {
                return try Socket.connect(to: coordinator, options: SocketOptions(noDelay: true, bindAddress: localAddress),
                                          until: min(deadline, .after(seconds: 2)))
            } catch {
                last = error
                usleepBounded(200_000, deadline)
            }
        }
        throw BenchError(.peer, subject: "coordinator \(coordinator)", what: "not reachable within \(Int(connectFor)) s",
                         errnoName: last.symbol, next: "start rank 0 first or within --join-timeout, and check --port")
    }

    enum Received {
        case message(ControlMessage)
        case closed
        case timedOut(Double)
        case invalid(String)
        case interrupted

        func why(waitingFor what: String) -> String {
            switch self {
            case .message(.error(let text)): "coordinator: \(text)"
            case .message(let m): "coordinator sent \(m.name) while this rank waited for \(what)"
            case .closed: "coordinator closed the connection while this rank waited for \(what)"
            case .timedOut(let s): "coordinator silent for \(Int(s)) s while this rank waited for \(what)"
            case .invalid(let text): "coordinator: \(text)"
            case .interrupted: "interrupted"
            }
        }
    }

    /// The next message, in slices short enough to notice SIGINT/SIGTERM.
    private func receive(_ channel: inout ControlChannel, seconds: Double) -> Received {
        let deadline = Deadline.after(seconds: seconds)
        while true {
            if stopsOnSignal && StopRequest.isRequested { return .interrupted }
            switch channel.receive(until: min(deadline, .after(seconds: 0.25))) {
            case .event(.message(let m)): return .message(m)
            case .event(.invalid(let why)): return .invalid(why)
            case .event(.versionMismatch(let v, _)):
                return .invalid("speaks control protocol version \(v), this rank \(ControlFrame.version)")
            case .closed: return .closed
            case .timedOut: if deadline.hasPassed { return .timedOut(seconds) }
            }
        }
    }
}

/// Sleeps `micros`, but not past `deadline`.
func usleepBounded(_ micros: UInt32, _ deadline: Deadline) {
    let left = Int(deadline.remainingMilliseconds) * 1000
    if left > 0 { usleep(UInt32(min(Int(micros), left))) }
}
