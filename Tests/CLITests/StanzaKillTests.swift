import Foundation
import TestProcesses
import Testing

/// SplitMix64: a seeded generator, so a failing run of kills can be replayed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `ibsetup stanza --write` killed with SIGKILL at random points: the target is always
/// byte for byte the old file or the new one, the backup is the old one, and the next
/// run finishes the job and removes any temporary file the killed one left.
@Suite(.serialized) struct StanzaKillTests {
    /// At most this many kills, and no new one after this many seconds.
    static let iterations = 200
    static let seconds = 60.0

    @Test func aKilledWriteLeavesTheOldFileOrTheNewOne() throws {
        let seed = ProcessInfo.processInfo.environment["IBKIT_KILL_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 1...UInt64.max)
        print("stanza --write under SIGKILL: seed \(seed) (replay with IBKIT_KILL_SEED=\(seed))")
        var random = SeededRandom(seed: seed)

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-cli-kill-\(UUID().uuidString)")
        let directory = root.appendingPathComponent("etc/network/interfaces.d")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "source /etc/network/interfaces.d/*\n".write(to: root.appendingPathComponent("etc/network/interfaces"), atomically: true, encoding: .utf8)
        let target = directory.appendingPathComponent("ib0")
        let backup = directory.appendingPathComponent(".ib0.ibsetup-backup")
        let old = Data("# ib0 as it was\nauto ib0\niface ib0 inet manual\n    mtu 2044\n".utf8)
        let printed = try runTool("ibsetup", ["stanza", "ib0", "--address", "10.0.0.1/24"])
        let new = Data(printed.stdout.utf8)
        #expect(printed.status == 0 && new != old)
        let arguments = ["stanza", "ib0", "--address", "10.0.0.1/24", "--write", "--root", root.path]

        func reset() throws {
            try? FileManager.default.removeItem(at: backup)
            try old.write(to: target)
        }
        func leftovers() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.contains(".ibsetup-tmp-") }.sorted()
        }

        // Kills are spread over the length of a whole run, measured again at every kill
        // (a loaded machine starts programs more slowly).
        try reset()
        let started = Date()
        let whole = try runTool("ibsetup", arguments)
        #expect(whole.status == 0, "\(whole.stderr)")
        var span = max(Date().timeIntervalSince(started) * 1.5, 0.02)

        var outcomes: [String: Int] = [:]
        let deadline = Date().addingTimeInterval(Self.seconds)
        var count = 0
        while count < Self.iterations, Date() < deadline {
            try reset()
            let delay = UInt32(Double(random.next() % 1_000_000) / 1_000_000 * span * 1_000_000)
            let context = "seed \(seed), kill \(count), after \(delay) µs"
            let child = try ChildProcess(productPath("ibsetup"), arguments)
            usleep(delay)
            child.kill()
            count += 1

            let found = FileManager.default.contents(atPath: target.path)
            #expect(found == old || found == new, "\(context): the target is neither the old file nor the new one")
            let saved = FileManager.default.contents(atPath: backup.path)
            #expect(saved == nil || saved == old, "\(context): the backup is not the old file")
            let left = leftovers()
            let outcome = (found == new ? "new" : saved == nil ? "old" : "old, backed up") + (left.isEmpty ? "" : ", temporary file left")
            outcomes[outcome, default: 0] += 1

            // The next run finishes the job and clears what the killed one left.
            let rerun = Date()
            let next = try runTool("ibsetup", arguments)
            span = max(Date().timeIntervalSince(rerun) * 1.5, 0.02)
            #expect(next.status == 0, "\(context): \(next.stderr)")
            #expect(FileManager.default.contents(atPath: target.path) == new, "\(context)")
            #expect(FileManager.default.contents(atPath: backup.path) == old, "\(context): the backup is not the old file")
            #expect(leftovers().isEmpty, "\(context): \(leftovers()) left after the next run")
            for name in left {
                #expect(next.stdout.contains("/etc/network/interfaces.d/\(name): removed, a temporary file an interrupted run left\n"), "\(context): \(next.stdout)")
            }
        }
        let summary = outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
        print("stanza --write under SIGKILL: \(count) kills, the last within \(Int(span * 1_000_000)) µs, seed \(seed): \(summary)")
        #expect(count > 0)
    }
}
