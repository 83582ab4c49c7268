import ArgumentParser
import BenchCore
import CommandSupport
import Foundation
import Mesh
import MeshRun
import RDMABench
import TCPBench

extension MeshTestSpec.Transport: ExpressibleByArgument {}
extension DirectionMode: ExpressibleByArgument {}

extension MeshOutputFormat {
    /// The shared `--format`; csv is refused in `validate()`.
    init(_ format: OutputFormat) {
        switch format {
        case .table, .csv: self = .table
        case .json: self = .json
        case .subunit: self = .subunit
        }
    }
}

struct MeshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh",
        abstract: "Test every link of N nodes pairwise, round by round, and name the slow links and bad nodes.",
        discussion: """
            Run one process per node: under Slurm (srun -N N --ntasks-per-node=1),
            ranks and hosts come from the step; elsewhere give every process the same
            --hosts and its own --rank. Every rank serves TCP and RDMA tests on
            --port; rank 0 also coordinates on --coordinator-port (default --port + 1),
            waits --join-timeout for the others, names the ones missing and goes on.
            Each round pairs nodes by the circle method (a bye when N is odd), with
            the nodes relabelled by --seed; both directions of a pair run at once
            unless --directions sequential. Each directed link runs a bandwidth test
            (TCP stream or RDMA write bw) and then a latency test (TCP rr or RDMA
            send lat) for -t seconds each. A link is flagged below --min-ratio of the
            median bandwidth, at a robust z-score of -3.5 or lower, below
            --expect-min, or at over twice the median latency; flagged links are
            retested alone and each suspect node against two nodes that passed.
            Only rank 0 writes results. Exit status: 0 healthy, 1 outliers found,
            2 incomplete (a node unreachable or missing, the deadline passed, a
            signal; partial results are written), 64 usage. The other ranks exit 0
            when rank 0 says the run is done, 2 when they lose it.

            Examples:
              srun -N 4 --ntasks-per-node=1 ibbench mesh tcp -t 5 --out mesh-run
              ibbench mesh --hosts node[1-3] --rank 0 --format subunit > mesh.subunit
              ibbench mesh rdma --hosts hosts.txt --rank 2 --size 1M
              ibbench mesh --hosts hosts.txt --rank 0 --resume run/results.jsonl
            """
    )

    @Argument(help: "tcp or rdma.")
    var transport: MeshTestSpec.Transport = .tcp

    @Option(help: ArgumentHelp("The hosts, a,b,c or node[1-4], or a file of them (one per line); else from Slurm.",
                               valueName: "FILE|LIST"))
    var hosts: String?

    @Option(help: "This process's rank with --hosts: its host is the rank-th in the list (0 coordinates).",
            transform: RangedValue.integer(0...(1 << 20)))
    var rank: Int?

    @OptionGroup var server: ServerPortOption

    @Option(help: "Port of rank 0's coordinator (default: --port + 1).", transform: RangedValue.integer(UInt16(1)...UInt16.max))
    var coordinatorPort: UInt16?

    @OptionGroup var duration: DurationOption

    @OptionGroup var size: MessageSizeOption

    @OptionGroup var streams: StreamsOption

    @OptionGroup var queuePairs: QueuePairsOption

    @OptionGroup var tcpTuning: TCPTuningOptions

    @OptionGroup var rdmaTuning: RDMATuningOptions

    @OptionGroup var hca: HCAOptions

    @Option(help: "Message size of the latency test (rr request and response, RDMA send).",
            transform: ByteCount.parser(1...(1 << 20)))
    var latencySize = ByteCount(bytes: 1)

    @OptionGroup var interface: InterfaceOptions

    @OptionGroup var token: TokenOptions

    @Option(help: "Seconds rank 0 waits for every rank to join (and the others for rank 0).",
            transform: RangedValue.seconds(0.1...3600))
    var joinTimeout: Double = 30

    @Option(help: "Seconds the whole run may take; then it reports what it has (exit 2).",
            transform: RangedValue.seconds(1...604_800))
    var deadline: Double?

    @Option(help: "Seed of the node relabelling (default: a fresh one, recorded in the outputs).")
    var seed: UInt64?

    @ArgumentParser.Flag(help: "Run the first round only: every node tested once.")
    var quick = false

    @Option(help: "Pairs running at once at most (a round is cut into parts).", transform: RangedValue.integer(1...65536))
    var maxConcurrent: Int?

    @Option(help: ArgumentHelp("Test these pairs instead of all: one 'a b' per line.", valueName: "FILE"))
    var pairs: String?

    @Option(help: "simultaneous (both directions at once) or sequential.")
    var directions: DirectionMode = .simultaneous

    @Option(help: "Flag a link below this fraction of the median bandwidth.", transform: MeshCommand.ratio)
    var minRatio: Double = 0.9

    @OptionGroup var expectMin: ExpectMinOption

    @ArgumentParser.Flag(help: "Do not retest flagged links and suspect nodes.")
    var noRetest = false

    /// json: a run header, one result per link, the verdict; csv goes with --out.
    @OptionGroup var output: OutputFormatOption

    @Option(help: ArgumentHelp("Write results.jsonl, matrix-bw.csv, matrix-lat.csv, summary.json and heatmap.svg here.",
                               valueName: "DIR"))
    var out: String?

    @Option(help: ArgumentHelp("Skip the links a previous run's results.jsonl has (appends to it without --out).",
                               valueName: "FILE"))
    var resume: String?

    func validate() throws {
        if hosts != nil && rank == nil { throw ValidationError("--hosts needs --rank (this process's place in the list)") }
        if rank != nil && hosts == nil { throw ValidationError("--rank needs --hosts") }
        if transport == .rdma && streams.parallel != 1 { throw ValidationError("-P counts TCP streams; give --qps for RDMA") }
        if transport == .tcp && queuePairs.qps != 1 { throw ValidationError("--qps counts RDMA queue pairs; give -P for TCP") }
        if transport == .rdma && tcpTuning.tuning != TCPTuning() {
            throw ValidationError("--window, --nodelay, --mss, --congestion, --zerocopy and --busy-poll are TCP options")
        }
        if transport == .tcp && (rdmaTuning.tuning != RDMATuning() || hca.ibDev != nil || hca.ibPort != nil) {
            throw ValidationError("--tx-depth, --inline, --cq-mod, --post-list, --poll, --validate, --hugepages, --ib-dev and --ib-port are RDMA options")
        }
        do { _ = try spec().validated() } catch { throw ValidationError("\(error)") }
        if output.format == .csv { throw ValidationError("mesh writes its CSV matrices with --out DIR; give --format table, json or subunit") }
    }

    func run() throws {
        try Outcome.of {
            let result = MeshRun.run(try config(), progress: StandardError.line)
            return Outcome(ExitStatus(rawValue: result.status) ?? .error, message: result.message)
        }.end()
    }

    private func config() throws -> MeshRunConfig {
        let membership: MeshMembership
        do {
            if let hosts, let rank {
                let isFile = FileManager.default.fileExists(atPath: hosts)
                // No host name holds a '/': this was meant as a file.
                if !isFile, hosts.contains("/") {
                    throw Outcome(.error, message: "--hosts \(hosts): no such file; give the file of hosts, or a list such as node[1-4]")
                }
                membership = try MeshMembership.fromHosts(isFile ? try read(hosts) : hosts, isFile: isFile, rank: rank)
            } else {
                membership = try MeshMembership.fromSlurm(environment: ProcessInfo.processInfo.environment)
            }
        } catch let error as MembershipError {
            throw Outcome.usage(error.description)
        }
        let spec = spec()
        guard server.port < UInt16.max || coordinatorPort != nil else {
            throw Outcome.usage("--port \(server.port) leaves no room for the coordinator's port; pass --coordinator-port")
        }
        var config = MeshRunConfig(membership: membership, spec: spec, coordinatorPort: coordinatorPort ?? server.port + 1)
        // With --hosts each rank listens on its own host's address, so that several ranks
        // can share one machine (127.0.0.1, 127.0.0.2, …); under Slurm, on every address.
        config.bind = interface.bind ?? (hosts != nil ? membership.hosts[membership.rank] : nil)
        if interface.bind == nil, hosts != nil {
            let own = membership.hosts[membership.rank]
            // A rank started on the wrong machine, or with the wrong --rank: say so, not
            // "--bind", which the user never gave.
            guard let address = try? SocketAddress.resolve(own, port: 0, passive: true) else {
                throw Outcome.usage("--hosts: rank \(membership.rank)'s host \(own) does not resolve here; "
                                    + "give names this machine resolves, or addresses")
            }
            if (try? Socket.listen(on: address, device: nil)) == nil {
                throw Outcome.usage("--hosts: rank \(membership.rank)'s host \(own) is not an address of this machine; "
                                    + "start rank \(membership.rank) on \(own), or check --rank and --hosts")
            }
        }
        config.device = interface.dev
        config.ibDevice = hca.ibDev
        config.ibPort = hca.ibPort
        config.token = try token.secret()
        config.joinTimeout = joinTimeout
        config.deadline = deadline
        config.seed = seed ?? SplitMix64.freshSeed()
        config.quick = quick
        config.maxConcurrent = maxConcurrent
        config.directions = directions
        config.rules = OutlierRules(minRatio: minRatio, expectMinBitsPerSecond: expectMin.expectMin?.bitsPerSecond)
        config.retest = !noRetest
        config.format = MeshOutputFormat(output.format)
        config.outDirectory = out
        do {
            if let pairs { config.pairs = try PairsFile.parse(try read(pairs)) }
            if let resume { config.resume = (resume, try ResultsJournal.parse(Array(try read(resume).utf8))) }
        } catch let error as ScheduleError {
            throw Outcome.usage("--pairs \(pairs ?? ""): \(error.description)")
        } catch let error as JournalError {
            throw Outcome.usage("--resume \(resume ?? ""): \(error.description)")
        }
        return config
    }

    /// What every link runs, the same on every rank.
    private func spec() -> MeshTestSpec {
        MeshTestSpec(transport: transport, duration: duration.seconds ?? 10, size: size.size?.bytes,
                     streams: transport == .tcp ? streams.parallel : queuePairs.qps, tcp: tcpTuning.tuning,
                     rdma: rdmaTuning.tuning, latencySize: latencySize.bytes, port: server.port)
    }

    /// A fraction above 0 and at most 1.
    static let ratio: @Sendable (String) throws -> Double = { text in
        guard let v = Double(text), v > 0, v <= 1 else { throw ValueOutOfRange(expected: "a fraction above 0 and at most 1, e.g. 0.9") }
        return v
    }

    private func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Outcome.usage("\(path): cannot read the file; check the path and its permissions")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
