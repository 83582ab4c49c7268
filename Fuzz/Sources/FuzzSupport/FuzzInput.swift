/// What a harness needs from the bytes libFuzzer hands it.
public enum FuzzInput {
    /// The input as an array; the harnesses slice it into feeds.
    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The input as text, the way `ibbench import` reads a file: invalid UTF-8 becomes U+FFFD.
    public static func text(_ data: UnsafePointer<UInt8>, _ size: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    }

    /// Feed sizes a socket or pipe might deliver, from one byte to the whole rest.
    static let pieceSizes = [1, 2, 3, 7, 16, 61, 512, 4096, Int.max]

    /// Two ways to cut the input into feeds, chosen by the input itself, so that one input
    /// always replays the same way (a crash reproduces from its file alone). Decoding the
    /// input fed each way must give the same events.
    public static func feedPatterns(for bytes: [UInt8]) -> (first: FeedPattern, second: FeedPattern) {
        var h: UInt64 = 14_695_981_039_346_656_037  // FNV-1a over the length and the last bytes: cheap and stable
        for b in bytes.suffix(8) { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        h = (h ^ UInt64(truncatingIfNeeded: bytes.count)) &* 1_099_511_628_211
        return (FeedPattern(seed: h), FeedPattern(seed: ~h))
    }

    /// `bytes` cut into pieces whose sizes `pattern` draws from `pieceSizes` one after another:
    /// feed boundaries fall anywhere, among single bytes and large reads alike, while most
    /// of a long input still goes in few feeds.
    public static func pieces(_ bytes: [UInt8], _ pattern: FeedPattern) -> [ArraySlice<UInt8>] {
        var random = pattern
        var out: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            let size = random.nextSize()
            let end = bytes.count - start <= size ? bytes.count : start + size
            out.append(bytes[start..<end])
            start = end
        }
        return out
    }
}

/// A reproducible sequence of feed sizes (xorshift64*), or the whole input in one feed.
public struct FeedPattern: CustomStringConvertible, Sendable {
    /// nil: one feed.
    public let seed: UInt64?
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed | 1  // xorshift never leaves zero
    }

    private init() {
        seed = nil
        state = 0
    }

    public static let whole = FeedPattern()

    mutating func nextSize() -> Int {
        guard seed != nil else { return .max }
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        let r = state &* 2_685_821_657_736_338_717
        return FuzzInput.pieceSizes[Int(r >> 33) % FuzzInput.pieceSizes.count]
    }

    public var description: String { seed.map { "feed pattern \($0)" } ?? "one feed" }
}

/// Stops the run with `message` when `condition` fails. libFuzzer takes the trap for a crash
/// and keeps the input; the message says which property broke.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz property violated: \(message())") }
}
