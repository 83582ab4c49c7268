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

    enum StringVerdict: Equatable {
        case valid
        case containsNUL
        case invalid
        /// Valid except for an unfinished character at the end, this many bytes long.
        case unfinished(Int)
    }

    /// Checks a string field the way python-subunit does: NUL first, then strict UTF-8.
    static func check(_ s: UnsafeRawBufferPointer) -> StringVerdict {
        guard let base = s.baseAddress else { return .valid }
        let n = s.count
        // Fast path: eight ASCII bytes at a time, watching for NUL.
        var i = 0
        var ascii = true
        while i + 8 <= n {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if w & 0x8080_8080_8080_8080 != 0 { ascii = false; break }
            if (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080 != 0 { return .containsNUL }
            i += 8
        }
        if ascii {
            while i < n {
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                if b == 0 { return .containsNUL }
                if b >= 0x80 { ascii = false; break }
                i += 1
            }
            if ascii { return .valid }
        }
        if memchrZero(base, n) { return .containsNUL }
        while i < n {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if b < 0x80 { i += 1; continue }
            guard let (len, low, high) = lead(b) else { return .invalid }
            for j in 1..<len {
                if i + j >= n { return .unfinished(n - i) }
                let c = base.load(fromByteOffset: i + j, as: UInt8.self)
                let ok = j == 1 ? (c >= low && c <= high) : (c & 0xC0 == 0x80)
                if !ok { return .invalid }
            }
            i += len
        }
        return .valid
    }

    private static func memchrZero(_ p: UnsafeRawPointer, _ n: Int) -> Bool {
        for k in 0..<n where p.load(fromByteOffset: k, as: UInt8.self) == 0 { return true }
        return false
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
        var data: (UInt8, UInt8, UInt8, UInt8) = (pending.0, pending.1, pending.2, 0)
        withUnsafeMutableBytes(of: &data) { $0[pendingCount] = b }
        let n = pendingCount + 1
        var produced = false
        var i = 0
        var newPending = 0
        let bytes = withUnsafeBytes(of: data) { Array($0.prefix(n)) }
        scan: while i < n {
            let c = bytes[i]
            if c < 0x80 { produced = true; i += 1; continue }
            guard let (len, low, high) = UTF8Check.lead(c) else {
                midCharacter = false  // decode error: pending bytes stay as they were
                return
            }
            for j in 1..<len {
                if i + j >= n { newPending = n - i; break scan }
                let d = bytes[i + j]
                let ok = j == 1 ? (d >= low && d <= high) : (d & 0xC0 == 0x80)
                if !ok { midCharacter = false; return }
            }
            produced = true
            i += len
        }
        pendingCount = newPending
        if newPending > 0 {
            let start = n - newPending
            pending = (bytes[start], newPending > 1 ? bytes[start + 1] : 0, newPending > 2 ? bytes[start + 2] : 0)
        }
        midCharacter = !produced
    }
}
