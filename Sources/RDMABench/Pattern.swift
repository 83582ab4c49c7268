/// The data `--validate` checks: slot `s` of QP `q` holds bytes that depend on `q`, `s` and the
/// offset, so a message that landed in the wrong place, short, or not at all does not match.
enum Pattern {
    @inline(__always)
    static func byte(qp: Int, slot: Int, offset: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: (offset &* 7) &+ (slot &* 131) &+ (qp &* 29) &+ (offset >> 8) &+ 1)
    }

    static func fill(_ p: UnsafeMutableRawPointer, count: Int, qp: Int, slot: Int) {
        let b = p.assumingMemoryBound(to: UInt8.self)
        for i in 0..<count { b[i] = byte(qp: qp, slot: slot, offset: i) }
    }

    static func matches(_ p: UnsafeRawPointer, count: Int, qp: Int, slot: Int) -> Bool {
        let b = p.assumingMemoryBound(to: UInt8.self)
        for i in 0..<count where b[i] != byte(qp: qp, slot: slot, offset: i) { return false }
        return true
    }
}
