import BenchCore
import Mesh

/// Rank 0's part: waits for the ranks to join, runs the schedule step by step, retests
/// what was flagged, and writes the verdict. It never waits without a deadline: on the
/// join (`--join-timeout`), on each job (its timeout), on the run (`--deadline`).
struct Coordinator {
    let config: MeshRunConfig
    let schedule: MeshSchedule
    let connections: RankConnections
    let writer: MeshReportWriter
    let files: ResultFiles
    let runDeadline: Deadline?
    /// Progress lines for a person (round times, nodes lost), kept apart from the results.
    let progress: @Sendable (String) -> Void

    private var hosts: [String] { config.membership.hosts }
    private var transport: String { config.spec.transport.rawValue }

    func run() -> MeshRunResult {
        let dispatcher = JobDispatcher(connections: connections, config: config, runDeadline: runDeadline, progress: progress)
        let missing = awaitJoins()
        for host in missing {
            dispatcher.markUnreachable(host, why: "did not join within --join-timeout \(Units.fixed(config.joinTimeout, 1)) s")
        }
        let resumed = config.resume?.contents.results ?? []
        let todo = schedule.skipping(ResultsJournal.completedLinks(resumed))
        let steps = todo.steps(maxConcurrent: config.maxConcurrent)
        sendPlan(steps: steps, missing: missing)
        writer.header(MeshHeader(
            transport: transport, hosts: hosts, seed: schedule.seed.map(String.init), mode: schedule.mode.rawValue,
            schedule: pairsByRound(schedule), missing: missing, resumed: resumed.count, spec: config.spec))

        var results = resumed
        let record: (PairReport) -> Void = { report in
            results.append(report.result)
            files.append(report.result)
            writer.measured(report, spec: config.spec)
        }
        let started: (DirectedLink, LinkResult.Phase) -> Void = { writer.started($0, phase: $1, spec: config.spec) }
        var interruption: JobDispatcher.Interruption?
        meshPhase: for (number, step) in steps.enumerated() {
            let before = dispatcher.timings.count
            for links in phases(of: step) {
                interruption = dispatcher.run(links, phase: .mesh, round: step.round, started: { started($0, .mesh) },
                                              received: record)
                if interruption != nil { break meshPhase }
            }
            let timings = dispatcher.timings[before...]
            let label = "mesh: step \(number + 1)/\(steps.count) (round \(step.round + 1), \(step.pairs.count) pair\(step.pairs.count == 1 ? "" : "s"))"
            if timings.allSatisfy({ $0.longestJob == 0 }) {
                progress("\(label): no results (its nodes are unreachable)")
                continue
            }
            let wall = timings.reduce(0) { $0 + $1.wall }, overhead = timings.reduce(0) { $0 + max(0, $1.wall - $1.longestJob) }
            progress("\(label): \(Units.fixed(wall, 2)) s, coordination \(Units.fixed(overhead * 1000, 1)) ms")
        }

        let assessment = MeshAssessment(results: results, expected: schedule.links, rules: config.rules)
        var verdict: MeshVerdict?
        if interruption == nil && config.retest && !assessment.flagged.isEmpty {
            let plan = RetestPlan(assessment: assessment, hosts: hosts.filter(dispatcher.isReachable))
            progress("mesh: \(assessment.flagged.count) link(s) flagged; \(plan.steps.count) retest(s), one at a time")
            var retests: [LinkResult] = []
            for step in plan.steps {
                interruption = dispatcher.run([step.link], phase: .retest, round: nil, started: { started($0, .retest) }) {
                    retests.append($0.result)
                    record($0)
                }
                if interruption != nil { break }
            }
            verdict = MeshVerdict(assessment: assessment, plan: plan, retests: retests)
        }

        let summary = MeshSummary(transport: transport, hosts: hosts, seed: schedule.seed, assessment: assessment,
                                  verdict: verdict, unreachable: dispatcher.unreachable.map(\.host),
                                  deadlinePassed: interruption == .deadline)
        // A signal may come after the last mesh link, during the retests: still not a whole verdict.
        let status: MeshExitStatus = interruption == .signal ? .incomplete : summary.exitStatus
        let lines = VerdictText.lines(summary, status: status, interrupted: interruption == .signal)
        var writeError: String?
        do {
            try files.finish(results: results, summary: summary, title: "ibbench mesh \(transport): \(hosts.count) hosts" + (schedule.seed.map { ", seed \($0)" } ?? ""))
        } catch {
            writeError = error.description
        }
        writer.verdict(summary, lines: lines)
        reportTimings(dispatcher)
        for rank in connections.connected { connections.send(.done(status: Int(status.rawValue)), to: rank) }
        if let writeError { return MeshRunResult(status: 2, message: writeError) }
        return MeshRunResult(status: status.rawValue, message: status == .incomplete ? VerdictText.incomplete(summary, interrupted: interruption == .signal) : nil)
    }

    /// Waits until every rank has joined, the join timeout passes, or a signal comes;
    /// returns the hosts that did not join, and from then on refuses late joins.
    private func awaitJoins() -> [String] {
        let deadline = Deadline.after(seconds: config.joinTimeout)
        while connections.connected.count < hosts.count && !deadline.hasPassed && !StopRequest.isRequested {
            _ = connections.events(until: min(deadline, .after(seconds: 0.25)))
        }
        connections.closeJoins()
        let joined = connections.connected
        return hosts.indices.filter { !joined.contains($0) }.map { hosts[$0] }
    }

    /// The links of a step that run together: both directions at once, or one after the other.
    private func phases(of step: MeshSchedule.Step) -> [[DirectedLink]] {
        let perPair = step.pairs.map { $0.phases(schedule.mode) }
        let count = perPair.map(\.count).max() ?? 0
        return (0..<count).map { k in perPair.flatMap { k < $0.count ? $0[k] : [] } }
    }

    private func pairsByRound(_ schedule: MeshSchedule) -> [[[String]]] {
        schedule.rounds.map { $0.pairs.map { [$0.first, $0.second] } }
    }

    /// Tells every rank what the run is, and how long it may be silent at most.
    private func sendPlan(steps: [MeshSchedule.Step], missing: [String]) {
        let batches = steps.reduce(0) { $0 + phases(of: $1).count }
        let retestBound = schedule.links.count + 4 * hosts.count
        var limit = Double(batches + retestBound) * config.spec.jobTimeout + 30
        if let deadline = config.deadline { limit = min(limit, deadline + config.spec.jobTimeout + 30) }
        let plan = MeshPlanDocument(hosts: hosts, seed: schedule.seed.map(String.init), transport: transport,
                                    rounds: pairsByRound(schedule), missing: missing, silenceLimit: limit)
        let json = MeshDocuments.encode(plan)
        for rank in connections.connected { connections.send(.meshPlan(json: json), to: rank) }
    }

    private func reportTimings(_ dispatcher: JobDispatcher) {
        let timings = dispatcher.timings.filter { $0.longestJob > 0 }
        guard !timings.isEmpty else { return }
        let wall = timings.reduce(0) { $0 + $1.wall } / Double(timings.count)
        let overhead = timings.reduce(0) { $0 + max(0, $1.wall - $1.longestJob) } / Double(timings.count)
        progress("mesh: \(timings.count) batches of tests, \(Units.fixed(wall, 2)) s each on average, coordination \(Units.fixed(overhead * 1000, 1)) ms each")
    }
}

/// How a process's part in `ibbench mesh` ended: its exit status and the one line saying
/// why when it is not 0 or 1.
public struct MeshRunResult: Sendable, Equatable {
    public let status: Int32
    public let message: String?
}
