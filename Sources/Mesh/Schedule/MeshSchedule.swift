/// Which pairs of nodes are tested together, round by round.
///
/// A round holds disjoint pairs, so every pair of a round runs at once and no node
/// serves two tests. The round-robin schedule relabels the nodes with a permutation
/// drawn from `seed` before applying the circle method, so that consecutive runs do
/// not always pair the same nodes in the same round (a slow spine shared by the pairs
/// of one round would otherwise always hit the same pairs); `--seed` replays it.
public struct MeshSchedule: Sendable, Equatable {
    /// The run's hosts, sorted by name: the permutation applies to this order, so a
    /// replay does not depend on the order the hosts were listed in.
    public let hosts: [String]
    /// The seed of the relabelling; nil for an explicit `--pairs` list.
    public let seed: UInt64?
    public let mode: DirectionMode
    public private(set) var rounds: [Round]

    public struct Round: Sendable, Equatable {
        /// 0-based position in the full schedule (kept when rounds are dropped on resume).
        public let index: Int
        public var pairs: [PairTest]
        /// Nodes with no test this round: the bye when the node count is odd.
        public var idle: [String]
    }

    /// What runs at the same time: a round, or a part of one under `--max-concurrent`.
    public struct Step: Sendable, Equatable {
        public let round: Int
        /// 0-based part of the round.
        public let part: Int
        public let pairs: [PairTest]
        /// Nodes with nothing to do during this step.
        public let idle: [String]
    }

    /// The circle-method round robin over `hosts`, relabelled by `seed`.
    public static func roundRobin(
        hosts: [String], seed: UInt64, mode: DirectionMode = .simultaneous
    ) throws(ScheduleError) -> MeshSchedule {
        let sorted = try validated(hosts)
        var rng = SplitMix64(seed: seed)
        let slots = rng.shuffled(sorted)
        let rounds = CircleMethod.rounds(count: slots.count).enumerated().map { index, round in
            Round(
                index: index,
                pairs: round.pairs.map { PairTest(first: slots[$0.0], second: slots[$0.1]) },
                idle: round.bye.map { [slots[$0]] } ?? [])
        }
        return MeshSchedule(hosts: sorted, seed: seed, mode: mode, rounds: rounds)
    }

    /// An explicit list of pairs (`--pairs FILE`), packed into rounds first-fit in list
    /// order: each pair goes into the earliest round where neither node is busy.
    public static func explicit(
        pairs: [NodePairEntry], hosts: [String], mode: DirectionMode = .simultaneous
    ) throws(ScheduleError) -> MeshSchedule {
        let sorted = try validated(hosts)
        let known = Set(sorted)
        var seen = Set<NodePair>()
        for entry in pairs {
            for node in [entry.first, entry.second] where !known.contains(node) {
                throw .unknownHost(node, line: entry.line)
            }
            if entry.first == entry.second { throw .selfPair(entry.first, line: entry.line) }
            if !seen.insert(NodePair(entry.first, entry.second)).inserted {
                throw .duplicatePair(NodePair(entry.first, entry.second), line: entry.line)
            }
        }
        if pairs.isEmpty { throw .noPairs }
        var packed: [(pairs: [PairTest], busy: Set<String>)] = []
        for entry in pairs {
            let test = PairTest(first: entry.first, second: entry.second)
            if let r = packed.firstIndex(where: { !$0.busy.contains(entry.first) && !$0.busy.contains(entry.second) }) {
                packed[r].pairs.append(test)
                packed[r].busy.formUnion([entry.first, entry.second])
            } else {
                packed.append((pairs: [test], busy: [entry.first, entry.second]))
            }
        }
        let rounds = packed.enumerated().map { index, round in
            Round(index: index, pairs: round.pairs, idle: sorted.filter { !round.busy.contains($0) })
        }
        return MeshSchedule(hosts: sorted, seed: nil, mode: mode, rounds: rounds)
    }

    private static func validated(_ hosts: [String]) throws(ScheduleError) -> [String] {
        var seen = Set<String>()
        for host in hosts where !seen.insert(host).inserted { throw .duplicateHost(host) }
        if hosts.count < 2 { throw .tooFewHosts(hosts.count) }
        return hosts.sorted()
    }

    /// `--quick`: the first round only (each node tested once; with an odd count the
    /// bye node is not tested).
    public func quick() -> MeshSchedule {
        var copy = self
        copy.rounds = Array(rounds.prefix(1))
        return copy
    }

    /// Without the directed links already measured (`--resume`); pairs and rounds left
    /// with nothing to test are dropped, round numbers are kept.
    public func skipping(_ done: Set<DirectedLink>) -> MeshSchedule {
        var copy = self
        copy.rounds = rounds.compactMap { round in
            var round = round
            var emptied: [String] = []
            round.pairs = round.pairs.compactMap { test in
                var test = test
                test.links.removeAll { done.contains($0) }
                if test.links.isEmpty { emptied += [test.first, test.second] }
                return test.links.isEmpty ? nil : test
            }
            round.idle = (round.idle + emptied).sorted()
            return round.pairs.isEmpty ? nil : round
        }
        return copy
    }

    /// Every directed link the schedule tests, in schedule order.
    public var links: [DirectedLink] { rounds.flatMap { $0.pairs.flatMap(\.links) } }

    /// The steps to run one after another: each round whole, or cut into parts of at
    /// most `maxConcurrent` pairs (`--max-concurrent`) when given.
    public func steps(maxConcurrent: Int? = nil) -> [Step] {
        precondition(maxConcurrent.map { $0 > 0 } ?? true, "--max-concurrent must be at least 1")
        var result: [Step] = []
        for round in rounds {
            let size = maxConcurrent.map { min($0, max(round.pairs.count, 1)) } ?? max(round.pairs.count, 1)
            var start = 0
            var part = 0
            while start < round.pairs.count {
                let pairs = Array(round.pairs[start..<min(start + size, round.pairs.count)])
                let busy = Set(pairs.flatMap { [$0.first, $0.second] })
                result.append(Step(round: round.index, part: part, pairs: pairs, idle: hosts.filter { !busy.contains($0) }))
                start += size
                part += 1
            }
        }
        return result
    }
}

/// One line of a `--pairs` file, before it is checked against the host list.
public struct NodePairEntry: Sendable, Equatable {
    public let first: String
    public let second: String
    /// 1-based line of the file, for error messages; 0 when not from a file.
    public let line: Int

    public init(_ first: String, _ second: String, line: Int = 0) {
        self.first = first
        self.second = second
        self.line = line
    }
}

/// A `--pairs FILE`: `a b` per line (spaces or tabs between), `#` comments, blank
/// lines ignored.
public enum PairsFile {
    public static func parse(_ text: String) throws(ScheduleError) -> [NodePairEntry] {
        var entries: [NodePairEntry] = []
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let content = line.prefix { $0 != "#" }
            let words = content.split { $0 == " " || $0 == "\t" || $0 == "\r" }
            if words.isEmpty { continue }
            guard words.count == 2 else { throw .malformedPairLine(String(content.trimmingWhitespace()), line: number + 1) }
            entries.append(NodePairEntry(String(words[0]), String(words[1]), line: number + 1))
        }
        return entries
    }
}

/// Why a schedule could not be made; `description` is one line.
public enum ScheduleError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooFewHosts(Int)
    case duplicateHost(String)
    case noPairs
    case malformedPairLine(String, line: Int)
    case unknownHost(String, line: Int)
    case selfPair(String, line: Int)
    case duplicatePair(NodePair, line: Int)

    public var description: String {
        switch self {
        case .tooFewHosts(let n): "a mesh needs at least 2 hosts, got \(n)"
        case .duplicateHost(let h): "host \"\(h)\" is listed twice"
        case .noPairs: "the pairs list is empty"
        case .malformedPairLine(let text, let line): "pairs line \(line): \"\(text)\" is not two host names"
        case .unknownHost(let h, let line): "pairs line \(line): \"\(h)\" is not one of the run's hosts"
        case .selfPair(let h, let line): "pairs line \(line): \"\(h)\" is paired with itself"
        case .duplicatePair(let p, let line): "pairs line \(line): \(p.low) and \(p.high) are already paired"
        }
    }
}
