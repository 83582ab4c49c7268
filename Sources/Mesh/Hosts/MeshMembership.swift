/// Who takes part in a mesh run and which of them this process is.
///
/// Under Slurm every rank reads the same step environment and gets the same host list,
/// so no rendezvous is needed to agree on it; outside Slurm `--hosts` and `--rank` give
/// the same two facts by hand.
public struct MeshMembership: Sendable, Equatable {
    /// Every host of the run, in rank order (rank i runs on `hosts[i]`).
    public let hosts: [String]
    /// This process's rank, `0..<hosts.count`; rank 0 coordinates.
    public let rank: Int
    /// The host this process runs on: `SLURMD_NODENAME` under Slurm, else `hosts[rank]`.
    public let selfHost: String

    public init(hosts: [String], rank: Int, selfHost: String? = nil) throws(MembershipError) {
        if hosts.isEmpty { throw .emptyHostList }
        var seen = Set<String>()
        for host in hosts where !seen.insert(host).inserted { throw .duplicateHost(host) }
        guard hosts.indices.contains(rank) else { throw .rankOutOfRange(rank: rank, hosts: hosts.count) }
        if let selfHost, !seen.contains(selfHost) { throw .selfNotListed(selfHost) }
        self.hosts = hosts
        self.rank = rank
        self.selfHost = selfHost ?? hosts[rank]
    }

    /// From a Slurm step's environment (`srun -N N --ntasks-per-node=1 ibbench mesh`).
    /// Takes the environment as a value so a test needs no Slurm.
    public static func fromSlurm(environment env: [String: String]) throws(MembershipError) -> MeshMembership {
        guard let procid = env["SLURM_PROCID"] else { throw .notInSlurmStep }
        guard let rank = Int(procid) else { throw .badVariable(name: "SLURM_PROCID", value: procid) }
        let name = env["SLURM_STEP_NODELIST"] != nil ? "SLURM_STEP_NODELIST" : "SLURM_JOB_NODELIST"
        guard let nodelist = env[name] else { throw .missingVariable("SLURM_STEP_NODELIST") }
        let hosts: [String]
        do { hosts = try Hostlist.expand(nodelist) } catch { throw .badHostlist(error) }
        if let ntasks = env["SLURM_NTASKS"] {
            guard let n = Int(ntasks) else { throw .badVariable(name: "SLURM_NTASKS", value: ntasks) }
            if n != hosts.count { throw .tasksNotOnePerNode(tasks: n, hosts: hosts.count) }
        }
        let nodeName = env["SLURMD_NODENAME"].flatMap { $0.isEmpty ? nil : $0 }
        return try MeshMembership(hosts: hosts, rank: rank, selfHost: nodeName)
    }

    /// From `--hosts` and `--rank`. `hosts` is the list itself (`a,b,c` or a Slurm host
    /// list such as `node[1-4]`), or the text of a hosts file when `isFile` is set.
    public static func fromHosts(_ hosts: String, isFile: Bool, rank: Int) throws(MembershipError) -> MeshMembership {
        let names: [String]
        do { names = isFile ? try HostsFile.parse(hosts) : try Hostlist.expand(hosts) } catch { throw .badHostlist(error) }
        return try MeshMembership(hosts: names, rank: rank)
    }
}

/// Why the members of a run could not be determined; `description` is one line.
public enum MembershipError: Error, Equatable, Sendable, CustomStringConvertible {
    case notInSlurmStep
    case missingVariable(String)
    case badVariable(name: String, value: String)
    case badHostlist(HostlistError)
    case emptyHostList
    case duplicateHost(String)
    case rankOutOfRange(rank: Int, hosts: Int)
    case tasksNotOnePerNode(tasks: Int, hosts: Int)
    case selfNotListed(String)

    public var description: String {
        switch self {
        case .notInSlurmStep:
            "SLURM_PROCID is not set: not inside a Slurm step; run under srun, or give --hosts and --rank"
        case .missingVariable(let name):
            "\(name) is not set (nor SLURM_JOB_NODELIST); run under srun, or give --hosts and --rank"
        case .badVariable(let name, let value):
            "\(name)=\"\(value)\" is not a number"
        case .badHostlist(let error):
            error.description
        case .emptyHostList:
            "the host list is empty"
        case .duplicateHost(let host):
            "host \"\(host)\" is listed twice; each host takes part once"
        case .rankOutOfRange(let rank, let hosts):
            "rank \(rank) is out of range for \(hosts) hosts (0...\(hosts - 1))"
        case .tasksNotOnePerNode(let tasks, let hosts):
            "SLURM_NTASKS is \(tasks) but the step has \(hosts) nodes; run one task per node (srun --ntasks-per-node=1)"
        case .selfNotListed(let host):
            "this node (\(host)) is not in the step's node list"
        }
    }
}

/// A hosts file for `--hosts FILE`: one host (or Slurm host list) per line; `#` starts a
/// comment; blank lines are ignored.
public enum HostsFile {
    public static func parse(_ text: String) throws(HostlistError) -> [String] {
        var hosts: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let content = line.prefix { $0 != "#" }.trimmingWhitespace()
            if !content.isEmpty { hosts += try Hostlist.expand(String(content)) }
        }
        return hosts
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and carriage returns (Foundation-free).
    func trimmingWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex..<endIndex]
        }
        return self[first...last]
    }
}
