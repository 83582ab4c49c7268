#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// UTF-8 facts the decoder needs: where a packet may start inside text, and
/// whether a string field is acceptable.
enum UTF8Check {
    /// For a lead byte: the sequence length and the allowed range of the
    /// second byte (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
    /// nil for a byte that cannot start a character.
    @inline(__always)
    static func lead(_ b: UInt8) -> (length: Int, low: UInt8, high: UInt8)? {
        switch b {
        case 0xC2...0xDF: (2, 0x80, 0xBF)
        case 0xE0: (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80, 0xBF)
        case 0xED: (3, 0x80, 0x9F)
        case 0xF0: (4, 0x90, 0xBF)
        case 0xF1...0xF3: (4, 0x80, 0xBF)
        case 0xF4: (4, 0x80, 0x8F)
        default: nil
        }
    }

    /// CPython's decoder, when it may keep state, takes `ED A0..BF` at the very
    /// end of its input as an unfinished character rather than an error (the
    /// start of a surrogate, for the surrogatepass handler). python-subunit
    /// inherits that, so it is reproduced here.
    @inline(__always)
    static func truncatedSurrogate(_ lead: UInt8, _ second: UInt8) -> Bool {
        lead == 0xED && second >= 0xA0 && second <= 0xBF
    }

    enum StringVerdict: Equatable {
        case valid
        case containsNUL
        case invalid
        /// Valid except for an unfinished character at the end, this many bytes long.
        case unfinished(Int)
    }

    /// Checks a string field the way python-subunit does: NUL first, then strict UTF-8.
    @inline(__always)
    static func check(_ base: UnsafeRawPointer, count n: Int) -> StringVerdict {
        // Test ids, tags, route codes and MIME types are nearly always ASCII.
        if isASCIIWithoutNUL(base, n) { return .valid }
        return checkSlowly(base, n)
    }

    /// Checks a string field the way python-subunit does: NUL first, then strict UTF-8.
    static func check(_ s: UnsafeRawBufferPointer) -> StringVerdict {
        guard let base = s.baseAddress else { return .valid }
        return check(base, count: s.count)
    }

    /// Bytes of `w` that are not ASCII or are NUL have their top bit set in
    /// the result (the zero test is exact about whether there is one, which is
    /// all that is asked).
    @inline(__always)
    private static func nonASCIIOrNUL(_ w: UInt64) -> UInt64 {
        let high: UInt64 = 0x8080_8080_8080_8080
        return (w | ((w &- 0x0101_0101_0101_0101) & ~w)) & high
    }

    /// Bytes of `w` that are NUL have their top bit set in the result (exact
    /// about whether there is one, which is all that is asked).
    @inline(__always)
    static func nul(_ w: UInt64) -> UInt64 {
        (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
    }

    /// True when all `n` bytes are ASCII and none is NUL.
    @inline(__always)
    static func isASCIIWithoutNUL(_ p: UnsafeRawPointer, _ n: Int) -> Bool {
        !anyByte(p, n, flaggedBy: nonASCIIOrNUL)
    }

    /// True when one of the `n` bytes is NUL.
    @inline(__always)
    static func containsNUL(_ p: UnsafeRawPointer, _ n: Int) -> Bool {
        anyByte(p, n, flaggedBy: nul)
    }

    /// Whether `flags` marks a byte of `p[0..<n]`, for a test that marks no
    /// byte 0x01. Whole words only: the last word overlaps the one before it
    /// and short runs are read as overlapping halves (reading a byte twice
    /// does not change the answer), so there is no loop over single bytes.
    /// Every load lies within `p[0..<n]`.
    @inline(__always)
    private static func anyByte(_ p: UnsafeRawPointer, _ n: Int, flaggedBy flags: (UInt64) -> UInt64) -> Bool {
        if n >= 8 {
            var found: UInt64 = 0
            var i = 0
            // Checked arithmetic on purpose: with wrapping, the compiler can
            // count the iterations and unrolls the loop, which costs more than
            // it saves on strings of a few words.
            while i + 8 < n {
                found |= flags(p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i += 8
            }
            found |= flags(p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
            return found != 0
        }
        if n >= 4 {
            let first = UInt64(p.loadUnaligned(as: UInt32.self))
            let last = UInt64(p.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self))
            return flags(first | last << 32) != 0
        }
        if n == 0 { return false }
        // 1 to 3 bytes: the first, the middle and the last cover them all; the
        // other five bytes of the word are 0x01.
        let b0 = UInt64(p.load(as: UInt8.self))
        let b1 = UInt64(p.load(fromByteOffset: n >> 1, as: UInt8.self))
        let b2 = UInt64(p.load(fromByteOffset: n &- 1, as: UInt8.self))
        return flags(0x0101_0101_0100_0000 | b0 | b1 << 8 | b2 << 16) != 0
    }

    /// The full check, for strings that are not plain ASCII.
    private static func checkSlowly(_ base: UnsafeRawPointer, _ n: Int) -> StringVerdict {
        if n > 0 && memchr(base, 0, n) != nil { return .containsNUL }
        var i = 0
        while i < n {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if b < 0x80 { i += 1; continue }
            guard let (len, low, high) = lead(b) else { return .invalid }
            for j in 1..<len {
                if i + j >= n { return .unfinished(n - i) }
                let c = base.load(fromByteOffset: i + j, as: UInt8.self)
                if j == 1 && truncatedSurrogate(b, c) && i + 2 == n { return .unfinished(2) }
                let ok = j == 1 ? (c >= low && c <= high) : (c & 0xC0 == 0x80)
                if !ok { return .invalid }
            }
            i += len
        }
        return .valid
    }
}

/// python-subunit's "am I inside a UTF-8 character?" state between packets.
///
/// python feeds every non-packet byte to an incremental UTF-8 decoder and
/// lets a `0xB3` start a packet only when the last decode call completed a
/// character or failed. On failure the decoder keeps its pending bytes, so
/// later bytes are judged together with them. This reproduces that exactly,
/// so that the same bytes split into packets and text the same way.
struct TextState: Sendable {
    /// Bytes of an unfinished character (at most 3).
    private var pending: (UInt8, UInt8, UInt8) = (0, 0, 0)
    private var pendingCount = 0
    /// True when the last byte left a character unfinished: a `0xB3` now continues it.
    private(set) var midCharacter = false

    @inline(__always)
    mutating func feed(_ b: UInt8) {
        if pendingCount == 0 && b < 0x80 {
            midCharacter = false
            return
        }
        feedSlow(b)
    }

    private mutating func feedSlow(_ b: UInt8) {
        let n = pendingCount + 1
        // The pending bytes and `b`, by index, without an array: this runs for every
        // byte of non-ASCII text, and random or binary text is mostly that.
        let held = pending
        func byteAt(_ k: Int) -> UInt8 {
            if k == n - 1 { return b }
            switch k {
            case 0: return held.0
            case 1: return held.1
            default: return held.2
            }
        }
        var produced = false
        var i = 0
        var newPending = 0
        scan: while i < n {
            let c = byteAt(i)
            if c < 0x80 { produced = true; i += 1; continue }
            guard let (len, low, high) = UTF8Check.lead(c) else {
                midCharacter = false  // decode error: pending bytes stay as they were
                return
            }
            for j in 1..<len {
                if i + j >= n { newPending = n - i; break scan }
                let d = byteAt(i + j)
                if j == 1 && UTF8Check.truncatedSurrogate(c, d) && i + 2 == n { newPending = 2; break scan }
                let ok = j == 1 ? (d >= low && d <= high) : (d & 0xC0 == 0x80)
                if !ok { midCharacter = false; return }
            }
            produced = true
            i += len
        }
        pendingCount = newPending
        if newPending > 0 {
            let start = n - newPending
            pending = (byteAt(start), newPending > 1 ? byteAt(start + 1) : 0, newPending > 2 ? byteAt(start + 2) : 0)
        }
        midCharacter = !produced
    }
}
