#if canImport(Glibc)
import Glibc
import OrderedJSON
#endif
import SystemPackage

/// `ibsetup sm [--json] [--wait SECONDS]`: does every InfiniBand port have a
/// working subnet manager?
///
/// Ends `.done` when every InfiniBand port is served (a host with only RoCE
/// ports needs none), `.checkFailed` when a port is not (each reason
/// listed), `.error` when there are no RDMA devices. With `wait` it reads
/// sysfs again once a second until every port is served or `wait` seconds
/// have passed.
public func subnetManagerCheck(root: FilePath = "/", json: Bool = false, wait: Int = 0) -> CommandOutcome {
    let deadline = monotonicSeconds() + Double(max(0, wait))
    while true {
        let outcome = subnetManagerCheckOnce(root: root, json: json)
        if outcome.ending != .checkFailed || monotonicSeconds() >= deadline { return outcome }
        usleep(1_000_000)
    }
}

func subnetManagerCheckOnce(root: FilePath, json: Bool) -> CommandOutcome {
    let snapshot = FabricSnapshot.read(root: root)
    let opensm = opensmProcesses(root: root)
    var diagnostics = snapshot.problems.map(\.description)
    let verdicts = snapshot.ports.map(PortSubnetManager.init(judging:))
    let smInfo = snapshot.ports.map { $0.isInfiniBand ? SMInfoQuery.forPort($0, in: snapshot) : nil }
    let ibVerdicts = verdicts.filter { $0.presence != .notNeeded }
    // A device whose ports could not be read may have ports no subnet manager serves: the
    // check cannot pass, and the damaged tree is the error.
    let portless = snapshot.hcas.filter { $0.ports.isEmpty }.map(\.name)
    let ok = ibVerdicts.allSatisfy { $0.presence == .serving } && portless.isEmpty
    let ending: CommandOutcome.Ending = snapshot.stack != .devices || !portless.isEmpty ? .error : (ok ? .done : .checkFailed)
    if snapshot.stack != .devices { diagnostics.append(noDevicesMessage(snapshot.stack)) }
    for name in portless {
        diagnostics.append("\(name): no ports could be read, so none can be judged; check the sysfs tree (see the problems above)")
    }

    let output: String
    if json {
        output = JSONValue.object([
            ("schema", .string("ibkit.sm/1")),
            ("sysfs_root", .string(root.string)),
            ("rdma_stack", .string(snapshot.stack.rawValue)),
            ("ok", .bool(snapshot.stack == .devices && ok)),
            ("opensm_pids", .array(opensm.map(JSONValue.int))),
            ("ports", .array(zip(verdicts, smInfo).map { v, info in
                .object([
                    ("hca", .string(v.port.device)),
                    ("port", .int(v.port.port)),
                    ("presence", .string(v.presence.rawValue)),
                    ("sm_lid", .optional(v.smLID.map(Int.init))),
                    ("local", .bool(v.isLocal)),
                    ("reason", .string(v.reason)),
                    ("fix", .optional(v.fix)),
                    ("sminfo", info?.json ?? .null),
                ])
            })),
        ]).rendered() + "\n"
    } else if snapshot.stack != .devices {
        output = ""
    } else {
        var lines = zip(verdicts, smInfo).map { v, info in
            (v.presence == .serving || v.presence == .notNeeded ? "ok: " : "no: ") + v.reason + (v.fix.map { "; \($0)" } ?? "")
                + (snapshot.root == "/" && v.presence == .serving ? " (\(info?.line ?? ""))" : "")
        }
        if ibVerdicts.isEmpty && portless.isEmpty { lines.append("no InfiniBand ports: nothing needs a subnet manager") }
        if !opensm.isEmpty {
            lines.append("opensm running on this host (pid \(opensm.map(String.init).joined(separator: ", ")))")
        }
        output = lines.joined(separator: "\n") + "\n"
    }
    return CommandOutcome(output: output, diagnostics: diagnostics, ending: ending)
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
