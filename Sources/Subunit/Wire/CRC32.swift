internal import CSubunitCRC

/// CRC-32/ISO-HDLC (zlib's `crc32`, reflected polynomial 0xEDB88320), the
/// checksum ending every packet (spec section 8).
///
/// On x86-64 processors with PCLMULQDQ, inputs of 16 bytes or more go to
/// CSubunitCRC's carry-less multiplication (a third of the time of the tables
/// on a typical 80-byte packet). Everything else uses slicing-by-16: sixteen
/// bytes per step through sixteen 256-entry tables (16 KiB, within L1).
public enum CRC32 {
    /// Whether `csubunit_crc32_clmul` may be called, asked once.
    static let carrylessMultiply = csubunit_crc32_clmul_available()

    /// 16 × 256 entries; table k gives the CRC of a byte followed by k zero bytes.
    /// Made once and never freed, so the hot loop reads it through a plain pointer.
    nonisolated(unsafe) static let table: UnsafePointer<UInt32> = {
        let p = UnsafeMutablePointer<UInt32>.allocate(capacity: 16 * 256)
        tables.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: 16 * 256) }
        return UnsafePointer(p)
    }()

    static var tables: [UInt32] {
        var t = [UInt32](repeating: 0, count: 16 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<16 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }

    /// The CRC-32 of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    /// The CRC-32 of `bytes`.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) {
            return crc
        }
        return checksum(Array(bytes))
    }

    /// Continues `crc` (the CRC of the bytes before) over `bytes`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        if bytes.count >= 16 && carrylessMultiply {
            return ~csubunit_crc32_clmul(~crc, bytes.baseAddress!, bytes.count)
        }
        return updateByTable(crc, bytes)
    }

    /// `update` with the tables only.
    static func updateByTable(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let t = table
        var c = ~crc
        var n = bytes.count
        guard var q = bytes.baseAddress else { return crc }
        while n >= 16 {
            let w1 = q.loadUnaligned(as: UInt64.self).littleEndian
            let w2 = q.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
            let a = UInt32(truncatingIfNeeded: w1) ^ c
            let b = UInt32(truncatingIfNeeded: w1 >> 32)
            let d = UInt32(truncatingIfNeeded: w2)
            let e = UInt32(truncatingIfNeeded: w2 >> 32)
            c = t[15 * 256 + Int(a & 0xFF)] ^ t[14 * 256 + Int((a >> 8) & 0xFF)]
                ^ t[13 * 256 + Int((a >> 16) & 0xFF)] ^ t[12 * 256 + Int(a >> 24)]
                ^ t[11 * 256 + Int(b & 0xFF)] ^ t[10 * 256 + Int((b >> 8) & 0xFF)]
                ^ t[9 * 256 + Int((b >> 16) & 0xFF)] ^ t[8 * 256 + Int(b >> 24)]
                ^ t[7 * 256 + Int(d & 0xFF)] ^ t[6 * 256 + Int((d >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((d >> 16) & 0xFF)] ^ t[4 * 256 + Int(d >> 24)]
                ^ t[3 * 256 + Int(e & 0xFF)] ^ t[2 * 256 + Int((e >> 8) & 0xFF)]
                ^ t[1 * 256 + Int((e >> 16) & 0xFF)] ^ t[Int(e >> 24)]
            q += 16
            n -= 16
        }
        while n >= 8 {
            let word = q.loadUnaligned(as: UInt64.self).littleEndian
            let lo = UInt32(truncatingIfNeeded: word) ^ c
            let hi = UInt32(truncatingIfNeeded: word >> 32)
            c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
            q += 8
            n -= 8
        }
        while n > 0 {
            c = (c >> 8) ^ t[Int((c ^ UInt32(q.load(as: UInt8.self))) & 0xFF)]
            q += 1
            n -= 1
        }
        return ~c
    }
}
