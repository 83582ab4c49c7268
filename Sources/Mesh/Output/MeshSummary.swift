#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything known at the end of a run, and `summary.json` rendered from it: the
/// verdicts in a form a script can act on (`jq '.bad_nodes[]'`).
public struct MeshSummary: Sendable {
    /// Named in the file so that readers can refuse a layout they do not know.
    public static let schema = "ibkit.mesh.summary/1"

    public var transport: String
    public var hosts: [String]
    public var seed: UInt64?
    public var assessment: MeshAssessment
    /// Nil when the retests did not run (deadline, `--no-retest`).
    public var verdict: MeshVerdict?
    /// Nodes that never joined or went silent.
    public var unreachable: [String]
    public var deadlinePassed: Bool

    public init(
        transport: String, hosts: [String], seed: UInt64?, assessment: MeshAssessment,
        verdict: MeshVerdict?, unreachable: [String] = [], deadlinePassed: Bool = false
    ) {
        self.transport = transport
        self.hosts = NaturalOrder.sorted(hosts)
        self.seed = seed
        self.assessment = assessment
        self.verdict = verdict
        self.unreachable = unreachable.sorted()
        self.deadlinePassed = deadlinePassed
    }

    public var exitStatus: MeshExitStatus {
        MeshExitStatus.of(assessment: assessment, unreachable: unreachable, deadlinePassed: deadlinePassed)
    }

    /// `summary.json`, pretty-printed with sorted keys so two runs diff cleanly.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Strings, numbers, arrays and optionals only: encoding cannot fail.
        return String(decoding: try! encoder.encode(document), as: UTF8.self) + "\n"
    }

    var document: Document {
        let findings = Dictionary(uniqueKeysWithValues: (verdict?.links ?? []).map { ($0.link, $0) })
        let results = assessment.results
        return Document(
            schema: Self.schema, transport: transport, hosts: hosts,
            // A string: JSON numbers lose precision above 2^53 in most readers.
            seed: seed.map(String.init),
            status: exitStatus.name, exitStatus: exitStatus.rawValue,
            rules: assessment.rules, baseline: assessment.baseline,
            counts: Counts(
                measured: results.count,
                failed: results.values.count { $0.status == .failed },
                missing: assessment.missing.count,
                flagged: assessment.flagged.count),
            unreachable: unreachable, deadlinePassed: deadlinePassed,
            flagged: assessment.flagged.map { flagged in
                let result = results[flagged.link]
                let finding = findings[flagged.link]
                return FlaggedEntry(
                    from: flagged.link.from, to: flagged.link.to,
                    bandwidthBitsPerSecond: result?.bandwidthBitsPerSecond,
                    latencyNanoseconds: result?.latencyNanoseconds,
                    flags: flagged.flags.map(FlagEntry.init),
                    retestBandwidthBitsPerSecond: finding?.retest?.bandwidthBitsPerSecond,
                    outcome: finding?.outcome.name)
            },
            nodes: (verdict?.nodes ?? []).map {
                NodeEntry(node: $0.node, state: $0.state.rawValue, failedRetests: $0.failed, retests: $0.retests)
            },
            badNodes: verdict?.badNodes ?? [],
            badLinks: (verdict?.badLinks ?? []).map(\.description),
            missing: assessment.missing.map(\.description))
    }

    struct Document: Encodable {
        let schema, transport: String
        let hosts: [String]
        let seed: String?
        let status: String
        let exitStatus: Int32
        let rules: OutlierRules
        let baseline: Baseline
        let counts: Counts
        let unreachable: [String]
        let deadlinePassed: Bool
        let flagged: [FlaggedEntry]
        let nodes: [NodeEntry]
        let badNodes, badLinks, missing: [String]

        enum CodingKeys: String, CodingKey {
            case schema, transport, hosts, seed, status, rules, baseline, counts, unreachable, flagged, nodes, missing
            case exitStatus = "exit_status", deadlinePassed = "deadline_passed"
            case badNodes = "bad_nodes", badLinks = "bad_links"
        }

        /// Optionals are written as null rather than left out, so every key is always there.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(schema, forKey: .schema)
            try c.encode(transport, forKey: .transport)
            try c.encode(hosts, forKey: .hosts)
            try c.encode(seed, forKey: .seed)
            try c.encode(status, forKey: .status)
            try c.encode(exitStatus, forKey: .exitStatus)
            try c.encode(rules, forKey: .rules)
            try c.encode(baseline, forKey: .baseline)
            try c.encode(counts, forKey: .counts)
            try c.encode(unreachable, forKey: .unreachable)
            try c.encode(deadlinePassed, forKey: .deadlinePassed)
            try c.encode(flagged, forKey: .flagged)
            try c.encode(nodes, forKey: .nodes)
            try c.encode(badNodes, forKey: .badNodes)
            try c.encode(badLinks, forKey: .badLinks)
            try c.encode(missing, forKey: .missing)
        }
    }

    struct Counts: Encodable { let measured, failed, missing, flagged: Int }

    struct FlaggedEntry: Encodable {
        let from, to: String
        let bandwidthBitsPerSecond, latencyNanoseconds: Double?
        let flags: [FlagEntry]
        let retestBandwidthBitsPerSecond: Double?
        let outcome: String?

        enum CodingKeys: String, CodingKey {
            case from, to, flags, outcome
            case bandwidthBitsPerSecond = "bandwidth_bps", latencyNanoseconds = "latency_ns"
            case retestBandwidthBitsPerSecond = "retest_bandwidth_bps"
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(bandwidthBitsPerSecond, forKey: .bandwidthBitsPerSecond)
            try c.encode(latencyNanoseconds, forKey: .latencyNanoseconds)
            try c.encode(flags, forKey: .flags)
            try c.encode(retestBandwidthBitsPerSecond, forKey: .retestBandwidthBitsPerSecond)
            try c.encode(outcome, forKey: .outcome)
        }
    }

    struct FlagEntry: Encodable {
        let rule: String
        /// The ratio, z-score or bit/s the rule compared; null for a failed test.
        let value: Double?
        let text: String

        init(_ flag: Flag) {
            rule = flag.rule
            text = flag.description
            switch flag {
            case .failed: value = nil
            case .belowMedianRatio(let v), .robustZ(let v), .belowExpectMin(let v), .slowLatency(let v): value = v
            }
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rule, forKey: .rule)
            try c.encode(value, forKey: .value)
            try c.encode(text, forKey: .text)
        }

        enum CodingKeys: String, CodingKey { case rule, value, text }
    }

    struct NodeEntry: Encodable {
        let node, state: String
        let failedRetests, retests: Int

        enum CodingKeys: String, CodingKey { case node, state, retests, failedRetests = "failed_retests" }
    }
}
