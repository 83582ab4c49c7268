/// A seedable generator, so that a run's node order can be replayed with `--seed`:
/// Swift's `SystemRandomNumberGenerator` cannot be seeded, and the standard library's
/// `shuffle(using:)` and `random(in:using:)` may change their algorithms between Swift
/// releases, which would break replay of recorded seeds. SplitMix64 (Steele, Lea and
/// Flood, 2014) is the generator Java's `SplittableRandom` uses; its sequence is fixed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `0..<bound`, by rejection so that no value is favoured.
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "an empty range has no values")
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let value = next()
            if value < limit { return value % bound }
        }
    }

    /// `items` in a random order: Fisher–Yates, drawing from this generator only.
    public mutating func shuffled<T>(_ items: [T]) -> [T] {
        var result = items
        var i = result.count - 1
        while i > 0 {
            let j = Int(next(below: UInt64(i + 1)))
            result.swapAt(i, j)
            i -= 1
        }
        return result
    }

    /// A seed for a new run, from the system's generator (recorded so the run can be replayed).
    public static func freshSeed() -> UInt64 {
        var system = SystemRandomNumberGenerator()
        return system.next()
    }
}
