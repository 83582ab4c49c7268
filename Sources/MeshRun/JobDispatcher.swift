import BenchCore
import Mesh

/// Hands directed links to their client ranks and collects the reports, each job bounded
/// by its timeout and the whole by the run's deadline. A rank whose connection ends, or
/// that lets a job's timeout pass, is unreachable from then on: it gets no more jobs,
/// and links that need it are skipped (they stay missing in the verdict).
final class JobDispatcher {
    enum Interruption: Equatable { case deadline, signal }
    typealias Pending = [Int: (link: DirectedLink, deadline: Deadline)]

    private let connections: RankConnections
    private let hosts: [String]
    private let config: MeshRunConfig
    private let runDeadline: Deadline?
    private var nextID = 0
    /// Unreachable hosts and why, in the order they were lost.
    private(set) var unreachable: [(host: String, why: String)] = []
    /// Wall time of each dispatched batch, and the longest job of it, for the overhead figure.
    private(set) var timings: [(wall: Double, longestJob: Double)] = []

    /// Where the lines a person watching the run should see go (a node lost).
    private let progress: @Sendable (String) -> Void

    init(connections: RankConnections, config: MeshRunConfig, runDeadline: Deadline?,
         progress: @escaping @Sendable (String) -> Void) {
        self.progress = progress
        self.connections = connections
        self.hosts = config.membership.hosts
        self.config = config
        self.runDeadline = runDeadline
    }

    func isReachable(_ host: String) -> Bool { !unreachable.contains { $0.host == host } }

    func markUnreachable(_ host: String, why: String) {
        guard isReachable(host) else { return }
        unreachable.append((host, why))
        progress("mesh: \(host) is unreachable: \(why)")
        if let rank = hosts.firstIndex(of: host) { connections.drop(rank, why: why) }
    }

    /// Runs `links` at the same time; each report goes to `received` as it arrives.
    /// Returns why it stopped early, if it did.
    func run(_ links: [DirectedLink], phase: LinkResult.Phase, round: Int?,
             started: (DirectedLink) -> Void, received: (PairReport) -> Void) -> Interruption? {
        var none: Pending = [:]
        absorb(connections.events(until: .after(seconds: 0)), pending: &none)
        let begin = monotonicNanos()
        var pending: Pending = [:]
        var longest = 0.0
        for link in links where isReachable(link.from) && isReachable(link.to) {
            guard let rank = hosts.firstIndex(of: link.from) else { continue }
            nextID += 1
            let job = PairJob(id: nextID, from: link.from, to: link.to, toAddress: config.address(of: link.to),
                              phase: phase, round: round, spec: config.spec)
            if connections.send(.runPair(json: MeshDocuments.encode(job)), to: rank) {
                pending[job.id] = (link, .after(seconds: config.spec.jobTimeout))
                started(link)
            } else {
                markUnreachable(link.from, why: "it cannot be sent its job")
            }
        }
        defer { timings.append((Double(monotonicNanos() - begin) / 1e9, longest)) }
        while !pending.isEmpty {
            if StopRequest.isRequested { return .signal }
            if let runDeadline, runDeadline.hasPassed { return .deadline }
            var wake = Deadline.after(seconds: 0.25)
            for p in pending.values { wake = min(wake, p.deadline) }
            if let runDeadline { wake = min(wake, runDeadline) }
            let events = connections.events(until: wake)
            for report in absorb(events, pending: &pending) {
                longest = max(longest, report.result.duration ?? 0)
                received(report)
            }
            for (id, p) in pending where p.deadline.hasPassed {
                pending[id] = nil
                markUnreachable(p.link.from, why: "no report of \(p.link) within \(Int(config.spec.jobTimeout)) s")
            }
        }
        return nil
    }

    /// Applies losses; returns the reports that answer a pending job (others are late
    /// answers to a job already given up, and are dropped).
    @discardableResult
    private func absorb(_ events: [RankEvent], pending: inout Pending) -> [PairReport] {
        var reports: [PairReport] = []
        for event in events {
            switch event {
            case .joined: break
            case .lost(let rank, let why):
                let host = hosts[rank]
                if isReachable(host) {
                    unreachable.append((host, why))
                    progress("mesh: \(host) is unreachable: \(why)")
                }
                pending = pending.filter { $0.value.link.from != host }
            case .report(_, let report):
                guard let job = pending.removeValue(forKey: report.id) else { continue }
                var report = report
                // The link is the one the job named, whatever the rank wrote.
                report.result.from = job.link.from
                report.result.to = job.link.to
                reports.append(report)
            }
        }
        return reports
    }
}
