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

    /// Feed sizes a socket or pipe might deliver, from one byte to more than most inputs.
    static let pieceSizes = [1, 2, 3, 7, 16, 61, 512, 4096, Int.max]

    /// Two feed sizes chosen by the input itself, so that one input always replays the same
    /// way (a crash reproduces from its file alone) while the corpus as a whole is fed in every
    /// size. Decoding the input twice, once in pieces of each size, must give the same events.
    public static func pieceSizes(for bytes: [UInt8]) -> (first: Int, second: Int) {
        var h: UInt32 = 2_166_136_261  // FNV-1a over the length and the last bytes: cheap and stable
        for b in bytes.suffix(8) { h = (h ^ UInt32(b)) &* 16_777_619 }
        h = (h ^ UInt32(truncatingIfNeeded: bytes.count)) &* 16_777_619
        let n = UInt32(pieceSizes.count)
        return (pieceSizes[Int(h % n)], pieceSizes[Int((h / n) % n)])
    }

    /// `bytes` cut into pieces of `size` bytes (the last may be shorter).
    public static func pieces(_ bytes: [UInt8], size: Int) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            let end = bytes.count - start <= size ? bytes.count : start + size
            out.append(bytes[start..<end])
            start = end
        }
        return out
    }
}

/// Stops the run with `message` when `condition` fails. libFuzzer takes the trap for a crash
/// and keeps the input; the message says which property broke.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz property violated: \(message())") }
}
