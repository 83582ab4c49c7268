import Testing
@testable import Mesh

@Suite struct ScheduleTests {
    static func hosts(_ n: Int) -> [String] { (0..<n).map { "n\($0)" } }

    @Test(arguments: 2...64)
    func everyPairOnceAndNoNodeTwiceARound(_ n: Int) throws {
        let schedule = try MeshSchedule.roundRobin(hosts: Self.hosts(n), seed: UInt64(n) * 7919)
        #expect(schedule.rounds.count == (n.isMultiple(of: 2) ? n - 1 : n))
        var seen: [NodePair: Int] = [:]
        for round in schedule.rounds {
            #expect(round.pairs.count == n / 2)
            #expect(round.idle.count == (n.isMultiple(of: 2) ? 0 : 1))
            let busy = round.pairs.flatMap { [$0.first, $0.second] } + round.idle
            #expect(Set(busy).count == busy.count, "a node twice in round \(round.index)")
            #expect(Set(busy) == Set(Self.hosts(n)))
            for test in round.pairs {
                seen[test.pair, default: 0] += 1
                #expect(Set(test.links) == [DirectedLink(from: test.first, to: test.second),
                                            DirectedLink(from: test.second, to: test.first)])
            }
        }
        #expect(seen.count == n * (n - 1) / 2)
        #expect(seen.values.allSatisfy { $0 == 1 })
        #expect(Set(schedule.links).count == n * (n - 1))
    }

    @Test func everyNodeSitsOutOnceWhenTheCountIsOdd() throws {
        let schedule = try MeshSchedule.roundRobin(hosts: Self.hosts(7), seed: 1)
        #expect(schedule.rounds.flatMap(\.idle).sorted() == Self.hosts(7).sorted())
    }

    @Test func aSeedReplaysTheSameSchedule() throws {
        let hosts = Self.hosts(12)
        let a = try MeshSchedule.roundRobin(hosts: hosts, seed: 42)
        let b = try MeshSchedule.roundRobin(hosts: hosts.reversed(), seed: 42)
        let c = try MeshSchedule.roundRobin(hosts: hosts, seed: 43)
        #expect(a == b)
        #expect(a.seed == 42)
        #expect(a.rounds != c.rounds)
    }

    @Test func splitMixMatchesTheReferenceSequence() {
        // The first outputs for seed 0 of the reference implementation (Vigna's splitmix64.c).
        var rng = SplitMix64(seed: 0)
        #expect([rng.next(), rng.next(), rng.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    @Test func shuffleIsAPermutationAndDrawsAreInRange() {
        var rng = SplitMix64(seed: 9)
        let items = Array(0..<100)
        let shuffled = rng.shuffled(items)
        #expect(shuffled.sorted() == items)
        #expect(shuffled != items)
        for bound in [1, 2, 3, 7, 1000] as [UInt64] {
            for _ in 0..<200 { #expect(rng.next(below: bound) < bound) }
        }
    }

    @Test(arguments: [1, 2, 3, 5, 100])
    func maxConcurrentBoundsEachStep(_ k: Int) throws {
        let schedule = try MeshSchedule.roundRobin(hosts: Self.hosts(16), seed: 5)
        let steps = schedule.steps(maxConcurrent: k)
        #expect(steps.allSatisfy { $0.pairs.count <= k })
        #expect(steps.flatMap(\.pairs) == schedule.rounds.flatMap(\.pairs))
        #expect(steps.count == 15 * ((8 + min(k, 8) - 1) / min(k, 8)))
        for step in steps {
            let busy = step.pairs.flatMap { [$0.first, $0.second] }
            #expect(Set(busy + step.idle) == Set(Self.hosts(16)))
            #expect(busy.count + step.idle.count == 16)
        }
    }

    @Test func withoutALimitAStepIsARound() throws {
        let schedule = try MeshSchedule.roundRobin(hosts: Self.hosts(5), seed: 5)
        #expect(schedule.steps().map(\.pairs) == schedule.rounds.map(\.pairs))
        #expect(schedule.steps().allSatisfy { $0.part == 0 && $0.idle.count == 1 })
    }

    @Test func quickRunsTheFirstRoundOnly() throws {
        let schedule = try MeshSchedule.roundRobin(hosts: Self.hosts(8), seed: 3)
        #expect(schedule.quick().rounds == [schedule.rounds[0]])
    }

    @Test func directionsRunTogetherOrOneAfterTheOther() {
        let test = PairTest(first: "a", second: "b")
        let ab = DirectedLink(from: "a", to: "b")
        #expect(test.phases(.simultaneous) == [[ab, ab.reversed]])
        #expect(test.phases(.sequential) == [[ab], [ab.reversed]])
    }

    @Test func resumingSkipsLinksAlreadyMeasured() throws {
        let schedule = try MeshSchedule.roundRobin(hosts: Self.hosts(4), seed: 8)
        let first = schedule.rounds[0].pairs[0]
        let second = schedule.rounds[0].pairs[1]
        let done: Set = [first.links[0], first.links[1], second.links[0]]
        let resumed = schedule.skipping(done)
        #expect(resumed.rounds[0].pairs == [PairTest(first: second.first, second: second.second, links: [second.links[1]])])
        #expect(resumed.rounds[0].idle == [first.first, first.second].sorted())
        #expect(resumed.links.count == 12 - 3)
        let finished = schedule.skipping(Set(schedule.links))
        #expect(finished.rounds.isEmpty)
        let lastOnly = schedule.skipping(Set(schedule.rounds[0].pairs.flatMap(\.links)))
        #expect(lastOnly.rounds.map(\.index) == [1, 2])
    }

    @Test func refusesTooFewOrRepeatedHosts() {
        #expect(throws: ScheduleError.tooFewHosts(1)) { try MeshSchedule.roundRobin(hosts: ["a"], seed: 0) }
        #expect(throws: ScheduleError.duplicateHost("a")) { try MeshSchedule.roundRobin(hosts: ["a", "b", "a"], seed: 0) }
    }
}

@Suite struct PairsFileTests {
    let hosts = ["a", "b", "c", "d"]

    @Test func packsExplicitPairsIntoDisjointRounds() throws {
        let entries = try PairsFile.parse("# spine check\na b\nc d   # same switch\n\na\tc\nb d\n")
        #expect(entries.map(\.line) == [2, 3, 5, 6])
        let schedule = try MeshSchedule.explicit(pairs: entries, hosts: hosts)
        #expect(schedule.seed == nil)
        #expect(schedule.rounds.map { $0.pairs.map(\.description) } == [["a b", "c d"], ["a c", "b d"]])
        #expect(schedule.rounds.allSatisfy { $0.idle.isEmpty })
    }

    @Test func leavesNodesOutOfARoundIdle() throws {
        let schedule = try MeshSchedule.explicit(pairs: [NodePairEntry("a", "b"), NodePairEntry("a", "c")], hosts: hosts)
        #expect(schedule.rounds.map(\.idle) == [["c", "d"], ["b", "d"]])
    }

    @Test(arguments: [
        ("a b\nb e\n", ScheduleError.unknownHost("e", line: 2)),
        ("a a\n", .selfPair("a", line: 1)),
        ("a b\nb a\n", .duplicatePair(NodePair("a", "b"), line: 2)),
        ("a b c\n", .malformedPairLine("a b c", line: 1)),
        ("x\n", .malformedPairLine("x", line: 1)),
        ("# nothing\n", .noPairs),
    ])
    func refusesBadPairs(_ text: String, _ expected: ScheduleError) {
        #expect(throws: expected) {
            try MeshSchedule.explicit(pairs: try PairsFile.parse(text), hosts: hosts)
        }
    }
}
