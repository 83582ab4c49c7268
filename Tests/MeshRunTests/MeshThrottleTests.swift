import Foundation
import TestProcesses
import Testing

/// Three nodes, each in a network namespace of its own, on a bridge in a fourth; one
/// node's egress throttled with `tc qdisc … tbf`, the way a link trained down or a
/// mis-set port looks from the hosts. Needs root (namespaces, tc).
struct MeshNamespaces {
    let nodes: [String]
    let hub: String
    let addresses: [String]

    init(count: Int) throws {
        let tag = "ibkm\(getpid() % 100_000)"
        hub = "\(tag)h"
        nodes = (1...count).map { "\(tag)n\($0)" }
        addresses = (1...count).map { "10.231.0.\($0)" }
        try Self.ip(["netns", "add", hub])
        try Self.ip(["-n", hub, "link", "add", "br0", "type", "bridge"])
        try Self.ip(["-n", hub, "link", "set", "br0", "up"])
        for (i, node) in nodes.enumerated() {
            try Self.ip(["netns", "add", node])
            try Self.ip(["-n", hub, "link", "add", "h\(i)", "type", "veth", "peer", "name", "eth0", "netns", node])
            try Self.ip(["-n", hub, "link", "set", "h\(i)", "master", "br0", "up"])
            try Self.ip(["-n", node, "addr", "add", "\(addresses[i])/24", "dev", "eth0"])
            try Self.ip(["-n", node, "link", "set", "eth0", "up"])
            try Self.ip(["-n", node, "link", "set", "lo", "up"])
        }
    }

    /// Limits what `node` sends to `rate` (e.g. `100mbit`).
    func throttle(_ index: Int, rate: String) throws {
        try Self.run("/usr/sbin/ip", ["netns", "exec", nodes[index], "tc", "qdisc", "add", "dev", "eth0", "root", "tbf",
                                      "rate", rate, "burst", "64kb", "latency", "100ms"])
    }

    func remove() {
        for ns in nodes + [hub] { try? Self.ip(["netns", "del", ns]) }
    }

    static var possible: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/tc")
    }

    struct CommandFailed: Error, CustomStringConvertible {
        let command: String
        var description: String { "failed: \(command)" }
    }

    static func ip(_ args: [String]) throws { try run("/usr/sbin/ip", args) }

    static func run(_ tool: String, _ args: [String]) throws {
        let r = try runProcess(URL(fileURLWithPath: tool), args, timeout: 30)
        if r.status != 0 || r.timedOut {
            throw CommandFailed(command: ([tool] + args).joined(separator: " ") + ": " + r.stderr)
        }
    }
}

extension MeshLoopbackTests {
    @Test("a node throttled with tc tbf: its links are flagged and the run says outliers (exit 1)",
          .enabled(if: MeshNamespaces.possible, "needs root, ip and tc (network namespaces)"))
    func throttledNode() throws {
        let dir = try scratchDirectory("throttle")
        defer { try? FileManager.default.removeItem(at: dir) }
        let net = try MeshNamespaces(count: 3)
        defer { net.remove() }
        try net.throttle(2, rate: "100mbit")
        let out = dir.appendingPathComponent("run")
        let ranks = try net.nodes.indices.map { rank in
            try MeshRank(rank: rank, arguments: ["--hosts", net.addresses.joined(separator: ","), "--rank", String(rank),
                                                 "-t", "1", "--seed", "9", "--join-timeout", "20"]
                                                + (rank == 0 ? ["--out", out.path] : []),
                         directory: dir, namespace: net.nodes[rank])
        }
        let statuses = ranks.map { $0.wait(seconds: 150) }
        #expect(statuses == [1, 0, 0], "\(ranks.map(\.stderr))")

        struct Summary: Decodable {
            struct Flagged: Decodable { let from: String; let to: String; let flags: [Rule] }
            struct Rule: Decodable { let rule: String }
            let flagged: [Flagged]
            let bad_nodes: [String]
            let bad_links: [String]
        }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
        let slow = net.addresses[2]
        let bandwidthFlagged = summary.flagged.filter { $0.flags.contains { $0.rule == "min_ratio" } }
        // Its egress is throttled: both links it sends on are slow against the median.
        let fromSlow = Set(bandwidthFlagged.filter { $0.from == slow }.map(\.to))
        #expect(fromSlow == Set(net.addresses.prefix(2)), "\(summary.flagged.map { "\($0.from)-\($0.to)" })")
        #expect(summary.bad_nodes.contains(slow) || summary.bad_links.contains { $0.hasPrefix("\(slow)-") },
                "the retests put it on the node or its links: \(summary.bad_nodes) \(summary.bad_links)")
        let heatmap = try String(contentsOf: out.appendingPathComponent("heatmap.svg"), encoding: .utf8)
        #expect(heatmap.contains(slow))
    }
}
