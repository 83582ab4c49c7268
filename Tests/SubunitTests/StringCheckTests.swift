import Testing
@testable import Subunit

@Suite struct StringCheckTests {
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
}
