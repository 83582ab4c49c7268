import BenchCore
import Mesh

/// Everything one `ibbench mesh` process is told: who takes part, what each link runs,
/// how the schedule is made, and where the results go.
public struct MeshRunConfig: Sendable {
    public var membership: MeshMembership
    public var spec: MeshTestSpec
    /// Where rank 0's coordinator listens (on rank 0's host).
    public var coordinatorPort: UInt16
    /// The address this rank's server listens on and its tests leave from; nil for any.
    public var bind: String?
    /// Netdev the benchmark server binds to and the tests leave through (`--dev`).
    public var device: String?
    /// This node's HCA and port for RDMA tests (`--ib-dev`, `--ib-port`); nil: rdma_cm's choice.
    public var ibDevice: String?
    public var ibPort: Int?
    public var token: String?
    /// Seconds rank 0 waits for every rank to join; the others wait as long for rank 0.
    public var joinTimeout: Double = 30
    /// Seconds the whole run may take (`--deadline`); nil for no limit beyond the per-job ones.
    public var deadline: Double?
    /// Relabelling seed; nil draws a fresh one (recorded in the outputs).
    public var seed: UInt64?
    public var quick = false
    public var maxConcurrent: Int?
    /// `--pairs FILE`, parsed: an explicit list instead of the round robin.
    public var pairs: [NodePairEntry]?
    public var directions: DirectionMode = .simultaneous
    public var rules = OutlierRules()
    /// Retest flagged links and suspect nodes alone after the mesh.
    public var retest = true
    public var format: MeshOutputFormat = .table
    /// `--out DIR`.
    public var outDirectory: String?
    /// `--resume FILE`: its path and what it held.
    public var resume: (path: String, contents: ResultsJournal.Contents)?

    public init(membership: MeshMembership, spec: MeshTestSpec, coordinatorPort: UInt16) {
        self.membership = membership
        self.spec = spec
        self.coordinatorPort = coordinatorPort
    }

    /// Where `host`'s benchmark server and coordinator are reached: the host list holds
    /// addresses or names the ranks resolve.
    func address(of host: String) -> String { host }

    /// The schedule this run follows (before `--resume` drops what is done).
    func schedule() throws(ScheduleError) -> MeshSchedule {
        let hosts = membership.hosts
        if let pairs { return try MeshSchedule.explicit(pairs: pairs, hosts: hosts, mode: directions) }
        let full = try MeshSchedule.roundRobin(hosts: hosts, seed: seed ?? 0, mode: directions)
        return quick ? full.quick() : full
    }
}
