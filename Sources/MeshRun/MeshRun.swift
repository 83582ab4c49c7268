import BenchCore
import Logging
import Mesh

/// `ibbench mesh` for one process: every rank serves and runs the jobs it is given;
/// rank 0 also coordinates and reports.
public enum MeshRun {
    /// - Parameters:
    ///   - output: where results go (the format's stream).
    ///   - progress: lines for a person watching rank 0 (round times, nodes lost).
    public static func run(_ config: MeshRunConfig, output: ReportOutput = .stdout,
                           progress: @escaping @Sendable (String) -> Void,
                           logger: Logger = Logger(label: "ibbench.mesh")) -> MeshRunResult {
        StopRequest.installHandlers()
        let runDeadline = config.deadline.map { Deadline.after(seconds: $0) }
        let membership = config.membership
        // Rank 0 checks the schedule before anything listens: a bad --pairs file is a usage error.
        var schedule: MeshSchedule?
        if membership.rank == 0 {
            do { schedule = try config.schedule() } catch { return MeshRunResult(status: 64, message: error.description) }
        }
        let server: NodeServer
        do {
            server = try NodeServer(port: config.spec.port, bind: config.bind, device: config.device, token: config.token,
                                    logger: logger)
        } catch {
            return MeshRunResult(status: 2, message: error.description)
        }
        defer { server.stop() }
        let coordinator: SocketAddress
        do {
            coordinator = try SocketAddress.resolve(config.address(of: membership.hosts[0]), port: config.coordinatorPort)
        } catch {
            return MeshRunResult(status: 2, message: error.description)
        }
        // The other ranks look for the coordinator on the first host of the list.
        if membership.rank == 0 && membership.selfHost != membership.hosts[0] {
            return MeshRunResult(status: 64, message: "rank 0 runs on \(membership.selfHost), but the coordinator must run on the first host, \(membership.hosts[0]); start rank 0 there (srun --distribution=block)")
        }
        let participant = RankParticipant(
            rank: membership.rank, host: membership.selfHost, coordinator: coordinator,
            localAddress: config.bind, token: config.token,
            connectFor: membership.rank == 0 ? 5 : config.joinTimeout, planWait: config.joinTimeout + 30,
            stopsOnSignal: membership.rank != 0,
            tests: { LinkTests(spec: $0, localAddress: config.bind, device: config.device, ibDevice: config.ibDevice,
                               ibPort: config.ibPort, token: config.token) }, logger: logger)
        guard let schedule else {
            switch participant.run() {
            case .done: return MeshRunResult(status: 0, message: nil)
            case .lost(let why): return MeshRunResult(status: 2, message: "rank \(membership.rank): \(why)")
            }
        }
        return coordinate(config, schedule: schedule, participant: participant, output: output, progress: progress,
                          runDeadline: runDeadline, logger: logger)
    }

    private static func coordinate(_ config: MeshRunConfig, schedule: MeshSchedule, participant: RankParticipant, output: ReportOutput,
                                   progress: @escaping @Sendable (String) -> Void, runDeadline: Deadline?, logger: Logger) -> MeshRunResult {
        let connections: RankConnections
        let files: ResultFiles
        do {
            files = try ResultFiles(directory: config.outDirectory, resume: config.resume)
            connections = try listen(config, logger: logger)
            try connections.start()
        } catch {
            return MeshRunResult(status: 2, message: error.description)
        }
        defer { connections.stop() }
        // Rank 0 takes part like any rank, through its own connection to the coordinator.
        let rankZeroEnd = Gate<RankEnd?>(nil)
        do { try BenchThread.detached(name: "ibb-mesh-rank0") { let end = participant.run(); rankZeroEnd.update { $0 = end } } } catch {
            return MeshRunResult(status: 2, message: "rank 0: cannot start its thread (\(error))")
        }
        let writer = MeshReportWriter(format: config.format, output: output, transport: config.spec.transport.rawValue)
        let result = Coordinator(config: config, schedule: schedule, connections: connections, writer: writer, files: files,
                                 runDeadline: runDeadline, progress: progress).run()
        _ = rankZeroEnd.wait(until: .after(seconds: 5)) { $0 != nil }
        return result
    }

    /// The coordinator's listener: on `--bind` when given, else on every address.
    private static func listen(_ config: MeshRunConfig, logger: Logger) throws(BenchError) -> RankConnections {
        let hosts = config.membership.hosts
        if let bind = config.bind {
            let address = try SocketAddress.resolve(bind, port: config.coordinatorPort, passive: true)
            return try RankConnections(listeningOn: address, hosts: hosts, token: config.token, logger: logger)
        }
        do {
            let any6 = try SocketAddress.resolve("::", port: config.coordinatorPort, passive: true)
            return try RankConnections(listeningOn: any6, hosts: hosts, token: config.token, logger: logger)
        } catch {
            // No IPv6 on this host.
            let any4 = try SocketAddress.resolve("0.0.0.0", port: config.coordinatorPort, passive: true)
            return try RankConnections(listeningOn: any4, hosts: hosts, token: config.token, logger: logger)
        }
    }
}
