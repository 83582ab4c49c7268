/// Subunit numbers: 1 to 4 bytes, the top two bits of the first byte give the
/// extra byte count, the rest is the value big-endian (spec section 4).
enum Number {
    /// Bytes needed for `v` in the shortest form; `v` must be at most `Limits.maxNumber`.
    @inline(__always)
    static func width(_ v: Int) -> Int {
        v < 0x40 ? 1 : v < 0x4000 ? 2 : v < 0x40_0000 ? 3 : 4
    }

    /// Appends `v` in its shortest form; `v` must be at most `Limits.maxNumber`.
    @inline(__always)
    static func append(_ v: Int, to out: inout [UInt8]) {
        let u = UInt32(truncatingIfNeeded: v)
        switch width(v) {
        case 1:
            out.append(UInt8(u))
        case 2:
            out.append(UInt8(0x40 | (u >> 8)))
            out.append(UInt8(truncatingIfNeeded: u))
        case 3:
            out.append(UInt8(0x80 | (u >> 16)))
            out.append(UInt8(truncatingIfNeeded: u >> 8))
            out.append(UInt8(truncatingIfNeeded: u))
        default:
            out.append(UInt8(0xC0 | (u >> 24)))
            out.append(UInt8(truncatingIfNeeded: u >> 16))
            out.append(UInt8(truncatingIfNeeded: u >> 8))
            out.append(UInt8(truncatingIfNeeded: u))
        }
    }
}
