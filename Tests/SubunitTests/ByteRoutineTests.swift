import Testing
@testable import Subunit

/// The word-at-a-time routines read and write overlapping words; each must
/// see every byte of every length.
@Suite struct ByteRoutineTests {
    /// The word-at-a-time ASCII test reads overlapping words; a NUL or a
    /// non-ASCII byte must be found at every position of every length.
    @Test func wordwiseCheckFindsEveryByte() {
        for n in 0...40 {
            let ascii = [UInt8](repeating: UInt8(ascii: "a"), count: n)
            #expect(ascii.withUnsafeBytes { UTF8Check.check($0) } == .valid, "length \(n)")
            for k in 0..<n {
                var withNUL = ascii
                withNUL[k] = 0
                #expect(withNUL.withUnsafeBytes { UTF8Check.check($0) } == .containsNUL, "NUL at \(k) of \(n)")
                var withLead = ascii
                withLead[k] = 0xC3  // a lead byte: unfinished at the end, invalid before ASCII
                let verdict = withLead.withUnsafeBytes { UTF8Check.check($0) }
                #expect(verdict == (k == n - 1 ? .unfinished(1) : .invalid), "0xC3 at \(k) of \(n)")
                if k + 1 < n {
                    withLead[k + 1] = 0xA9  // é
                    #expect(withLead.withUnsafeBytes { UTF8Check.check($0) } == .valid, "é at \(k) of \(n)")
                }
            }
        }
    }

    /// The word-at-a-time comparison sees a difference at every position of every length.
    @Test func wordwiseComparisonFindsEveryDifference() {
        for n in 0...80 {
            let a = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
            #expect(a.withUnsafeBytes { x in a.withUnsafeBytes { y in Bytes.equal(x.baseAddress!, y.baseAddress!, n) } }, "length \(n)")
            for k in 0..<n {
                var b = a
                b[k] ^= 0x20
                #expect(!a.withUnsafeBytes { x in b.withUnsafeBytes { y in Bytes.equal(x.baseAddress!, y.baseAddress!, n) } },
                        "difference at \(k) of \(n)")
            }
        }
    }

    @Test func wordwiseCopyCopiesEveryByte() {
        for n in 0...80 {
            let source = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
            var destination = [UInt8](repeating: 0xEE, count: n + 2)
            source.withUnsafeBytes { s in
                destination.withUnsafeMutableBytes { d in
                    if n > 0 { Bytes.copy(d.baseAddress! + 1, s.baseAddress!, n) }
                }
            }
            #expect(destination == [0xEE] + source + [0xEE], "length \(n)")
        }
    }

    @Test func wordwiseNULCheckFindsEveryNUL() {
        for n in 1...40 {
            let ones = [UInt8](repeating: 0x01, count: n)
            #expect(!ones.withUnsafeBytes { UTF8Check.containsNUL($0.baseAddress!, n) }, "length \(n)")
            for k in 0..<n {
                var b = ones
                b[k] = 0
                #expect(b.withUnsafeBytes { UTF8Check.containsNUL($0.baseAddress!, n) }, "NUL at \(k) of \(n)")
            }
        }
    }
}
