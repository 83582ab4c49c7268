/// The circle method of round-robin scheduling, on slot numbers `0..<count`.
///
/// Slot 0 stays put while the others rotate one place a round; pairing the i-th slot
/// from the left with the i-th from the right gives floor(count/2) disjoint pairs a
/// round and every unordered pair exactly once in count−1 rounds (count rounds when
/// count is odd: a phantom slot is added, and whoever meets it sits the round out).
/// All pairs of a round can therefore run at once without any node serving two tests.
enum CircleMethod {
    struct SlotRound: Equatable {
        var pairs: [(Int, Int)]
        /// The slot that sits this round out (odd counts only).
        var bye: Int?

        static func == (a: SlotRound, b: SlotRound) -> Bool {
            a.bye == b.bye && a.pairs.elementsEqual(b.pairs) { $0 == $1 }
        }
    }

    static func rounds(count: Int) -> [SlotRound] {
        precondition(count >= 0, "a negative node count")
        if count < 2 { return [] }
        let m = count.isMultiple(of: 2) ? count : count + 1
        let phantom = count  // only exists when count is odd
        var result: [SlotRound] = []
        result.reserveCapacity(m - 1)
        for r in 0..<(m - 1) {
            // The circle for round r: slot 0, then the others rotated by r.
            var circle = [0]
            circle.reserveCapacity(m)
            for k in 0..<(m - 1) { circle.append((r + k) % (m - 1) + 1) }
            var round = SlotRound(pairs: [], bye: nil)
            for i in 0..<(m / 2) {
                var (a, b) = (circle[i], circle[m - 1 - i])
                // Alternate who comes first for the fixed slot, so it is not always the
                // first sender in sequential mode.
                if i == 0 && r % 2 == 1 { swap(&a, &b) }
                if a == phantom { round.bye = b } else if b == phantom { round.bye = a } else { round.pairs.append((a, b)) }
            }
            result.append(round)
        }
        return result
    }
}
