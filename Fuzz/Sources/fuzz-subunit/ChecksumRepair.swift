import Subunit

/// Rewrites the CRC of every packet-shaped run of bytes so that it checks out, the way a
/// producer with a bug in its field encoding would write it.
enum ChecksumRepair {
    /// Returns whether a checksum changed.
    static func repair(_ bytes: inout [UInt8]) -> Bool {
        var changed = false
        var i = 0
        while i < bytes.count {
            guard bytes[i] == Limits.signature, let length = packetLength(bytes, at: i) else {
                i += 1
                continue
            }
            let crcAt = i + length - 4
            let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[i..<crcAt])) }
            let stored = bytes[crcAt..<crcAt + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if stored != crc {
                for k in 0..<4 { bytes[crcAt + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * k)) }
                changed = true
            }
            i += length
        }
        return changed
    }

    /// The length field of a packet starting at `start` (spec section 5), when the whole
    /// packet fits in `bytes` and can hold its header and CRC.
    private static func packetLength(_ bytes: [UInt8], at start: Int) -> Int? {
        guard bytes.count - start >= 6 else { return nil }
        let b0 = Int(bytes[start + 3])
        let width = 1 + (b0 >> 6)
        guard width <= 3 else { return nil }
        var length = b0 & 0x3F
        for k in 1..<width { length = length << 8 | Int(bytes[start + 3 + k]) }
        guard length >= 3 + width + 4, length <= bytes.count - start else { return nil }
        return length
    }
}
