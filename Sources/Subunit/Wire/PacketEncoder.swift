/// Encodes packets into caller-provided storage (spec section 10).
///
/// `encode(_:into:)` appends one complete packet to the array and allocates
/// nothing when the array has the capacity: reporters keep one buffer,
/// `removeAll(keepingCapacity: true)` it between writes, and never allocate per
/// packet. Output is byte-for-byte what python-subunit's `StreamResultToBytes`
/// writes for the same call.
public struct PacketEncoder: Sendable {
    public init() {}

    /// Appends `packet` to `out`. On error `out` is unchanged.
    public func encode(_ packet: Packet, into out: inout [UInt8]) throws(EncodingError) {
        if Self.encodeSmall(packet, into: &out) { return }
        try Self.encodeChecked(packet, into: &out)
    }

    /// Bytes of stack space the small-packet path builds a packet in. Up to
    /// 1 KiB, `withUnsafeTemporaryAllocation` takes it from the stack without
    /// asking whether the stack has room.
    static let scratchSize = 1024
    /// Room left before the body for the header (signature, flags, a length of
    /// at most 3 bytes), which is written after the body, once its size is known.
    static let headerRoom = 8

    /// The common case in one pass: a packet that fits in `scratchSize` bytes
    /// and breaks no rule is written into stack space, body first, then the
    /// header before it and the CRC after it, and appended to `out` with one
    /// copy. Returns false, with `out` unchanged, for anything else: a larger
    /// packet, a NUL in a string, nanoseconds out of range. `encodeChecked`
    /// then measures and checks in field order, so the errors and their order
    /// are its own. Every limit it checks is far above what fits here, so a
    /// packet this path accepts is one it would accept too.
    static func encodeSmall(_ packet: Packet, into out: inout [UInt8]) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: scratchSize, alignment: 8) { scratch -> Bool in
            let base = scratch.baseAddress!
            let body = base + headerRoom
            // 4 bytes stay free after the body for the CRC.
            var w = ScratchWriter(body, end: base + scratchSize - 4)
            guard let flags = w.body(of: packet) else { return false }
            let bodySize = w.p - body
            // The length field counts itself and the rest (spec section 5);
            // with at most `scratchSize` bytes it takes 1 or 2 bytes.
            let withoutLength = 1 + 2 + bodySize + 4
            let lengthWidth = withoutLength <= 62 ? 1 : 2
            let total = withoutLength + lengthWidth
            let start = body - (3 + lengthWidth)
            var h = RawWriter(start)
            h.byte(Limits.signature)
            h.byte(UInt8(flags >> 8))
            h.byte(UInt8(truncatingIfNeeded: flags))
            h.number(total)
            let crc = CRC32.checksum(UnsafeRawBufferPointer(start: start, count: total - 4))
            w.p.storeBytes(of: crc.bigEndian, as: UInt32.self)
            // The bytes were stored as UInt8 (the only type this memory
            // holds); Array's append costs less from a typed buffer than a raw one.
            out.append(contentsOf: UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: total))
            return true
        }
    }

    /// Any packet: measures it, checking every limit in field order, then writes it.
    @inline(never)
    static func encodeChecked(_ packet: Packet, into out: inout [UInt8]) throws(EncodingError) {
        let (flags, total): (UInt16, Int)
        do {
            (flags, total) = try Self.measure(packet, checkingNUL: false)
        } catch {
            // A NUL in an earlier field is reported first, as the check is ordered.
            _ = try Self.measure(packet, checkingNUL: true)
            throw error
        }
        // Grow once, then write every field through one pointer.
        let start = out.count
        Self.grow(&out, by: total)
        let clean = out.withUnsafeMutableBytes { raw -> Bool in
            var w = RawWriter(raw.baseAddress! + start)
            w.byte(Limits.signature)
            w.byte(UInt8(flags >> 8))
            w.byte(UInt8(truncatingIfNeeded: flags))
            w.number(total)
            if let ts = packet.timestamp {
                w.bigEndian(ts.seconds)
                w.number(Int(ts.nanoseconds))
            }
            if flags & Flags.testID != 0 { w.string(packet.testID!) }
            if flags & Flags.tags != 0 {
                w.number(packet.tags.count)
                for tag in packet.tags { w.string(tag) }
            }
            if flags & Flags.mimeType != 0 { w.string(packet.mimeType!) }
            if let file = packet.file {
                w.string(file.name)
                w.number(file.content.count)
                file.content.withUnsafeBytes { w.bytes($0) }
            }
            if flags & Flags.routeCode != 0 { w.string(packet.routeCode!) }
            let crc = CRC32.checksum(UnsafeRawBufferPointer(start: raw.baseAddress! + start, count: total - 4))
            w.bigEndian(crc)
            assert(w.p == raw.baseAddress! + start + total, "packet size computed wrongly")
            return !w.wroteNUL
        }
        if !clean {
            out.removeLast(total)
            _ = try Self.measure(packet, checkingNUL: true)  // throws: it finds the NUL the writer saw
            preconditionFailure("the writer saw a NUL that the check did not")
        }
    }

    /// The flags and the total size of `packet`, checking every limit in
    /// field order. Strings are checked for NUL only when asked: the writer
    /// checks the bytes it copies, and only a packet that fails is measured
    /// again with the check, to report its first problem as before.
    @inline(__always)
    private static func measure(_ packet: Packet, checkingNUL: Bool) throws(EncodingError) -> (UInt16, Int) {
        // The body first: the width of the length field depends on it.
        var flags = Flags.version2 | UInt16(packet.status.rawValue)
        var body = 0
        if packet.runnable { flags |= Flags.runnable }
        if packet.eof { flags |= Flags.eof }
        if let ts = packet.timestamp {
            guard Int(ts.nanoseconds) <= Limits.maxNumber else {
                throw EncodingError(.nanosecondsOutOfRange(ts.nanoseconds), field: "timestamp")
            }
            flags |= Flags.timestamp
            body += 4 + Number.width(Int(ts.nanoseconds))
        }
        if let id = packet.testID {
            flags |= Flags.testID
            body += try stringSize(id, field: "test id", checkingNUL: checkingNUL)
        }
        if !packet.tags.isEmpty {
            flags |= Flags.tags
            body += try numberSize(packet.tags.count, field: "tags")
            for tag in packet.tags { body += try stringSize(tag, field: "tag", checkingNUL: checkingNUL) }
        }
        if let mime = packet.mimeType, !mime.isEmpty {
            flags |= Flags.mimeType
            body += try stringSize(mime, field: "MIME type", checkingNUL: checkingNUL)
        }
        if let file = packet.file {
            flags |= Flags.fileContent
            body += try stringSize(file.name, field: "file name", checkingNUL: checkingNUL)
            body += try numberSize(file.content.count, field: "file content") + file.content.count
        }
        if let route = packet.routeCode {
            flags |= Flags.routeCode
            body += try stringSize(route, field: "route code", checkingNUL: checkingNUL)
        }
        return (flags, try totalSize(body: body))
    }

    /// Encodes one packet into a new array.
    public func encode(_ packet: Packet) throws(EncodingError) -> [UInt8] {
        var out: [UInt8] = []
        try encode(packet, into: &out)
        return out
    }

    /// Zero bytes to append from: a memcpy-backed append is much cheaper than
    /// appending a `repeatElement` sequence element by element.
    nonisolated(unsafe) private static let zeros = UnsafeRawBufferPointer(
        UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16).initializeMemory(as: UInt8.self, repeating: 0))

    /// Appends `n` bytes (overwritten by the caller) to `out`.
    @inline(__always)
    private static func grow(_ out: inout [UInt8], by n: Int) {
        var left = n
        while left > 0 {
            let k = Swift.min(left, zeros.count)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: zeros[0..<k]))
            left -= k
        }
    }

    /// Total packet size for a body of `body` bytes: the length field counts
    /// itself, so its width is chosen from the size without it (spec section 5).
    static func totalSize(body: Int) throws(EncodingError) -> Int {
        let base = 1 + 2 + body + 4
        if base <= 62 { return base + 1 }
        if base <= 16_381 { return base + 2 }
        if base <= 4_194_300 { return base + 3 }
        throw EncodingError(.packetTooLarge(size: base + 3), field: "whole packet")
    }

    @inline(__always)
    private static func numberSize(_ v: Int, field: String) throws(EncodingError) -> Int {
        guard v <= Limits.maxNumber else { throw EncodingError(.numberTooLarge(v), field: field) }
        return Number.width(v)
    }

    @inline(__always)
    private static func stringSize(_ s: String, field: String, checkingNUL: Bool) throws(EncodingError) -> Int {
        if checkingNUL && s.utf8.contains(0) { throw EncodingError(.stringContainsNUL, field: field) }
        let n = s.utf8.count
        return try numberSize(n, field: field) + n
    }
}

/// Writes a packet body into bounded space, giving up (nil) on anything the
/// checked path must judge: a field that does not fit, a NUL in a string,
/// nanoseconds beyond what the wire holds. Every length is compared with the
/// space left before it is written, so no write passes `end`.
struct ScratchWriter {
    var p: UnsafeMutableRawPointer
    let end: UnsafeMutableRawPointer

    init(_ p: UnsafeMutableRawPointer, end: UnsafeMutableRawPointer) {
        self.p = p
        self.end = end
    }

    /// Whether `n` bytes and a number of up to 4 bytes still fit.
    @inline(__always)
    private func fits(_ n: Int) -> Bool { n <= (end - p) &- 4 }

    /// Writes the fields of `packet` in wire order and returns its flags.
    @inline(__always)
    mutating func body(of packet: Packet) -> UInt16? {
        var flags = Flags.version2 | UInt16(packet.status.rawValue)
        if packet.runnable { flags |= Flags.runnable }
        if packet.eof { flags |= Flags.eof }
        if let ts = packet.timestamp {
            guard Int(ts.nanoseconds) <= Limits.maxNumber, fits(4) else { return nil }
            flags |= Flags.timestamp
            raw.bigEndian(ts.seconds)
            raw.number(Int(ts.nanoseconds))
        }
        if let id = packet.testID {
            flags |= Flags.testID
            guard string(id) else { return nil }
        }
        if !packet.tags.isEmpty {
            flags |= Flags.tags
            guard fits(packet.tags.count) else { return nil }
            raw.number(packet.tags.count)
            for tag in packet.tags { guard string(tag) else { return nil } }
        }
        if let mime = packet.mimeType, !mime.isEmpty {
            flags |= Flags.mimeType
            guard string(mime) else { return nil }
        }
        if let file = packet.file {
            flags |= Flags.fileContent
            guard string(file.name) else { return nil }
            let ok = file.content.withUnsafeBytes { c -> Bool in
                guard fits(c.count) else { return false }
                raw.number(c.count)
                raw.bytes(c)
                return true
            }
            guard ok else { return nil }
        }
        if let route = packet.routeCode {
            flags |= Flags.routeCode
            guard string(route) else { return nil }
        }
        return flags
    }

    /// The plain writer at the current position.
    private var raw: RawWriter {
        get { RawWriter(p) }
        set { p = newValue.p }
    }

    /// A length-prefixed string, if it fits and holds no NUL.
    @inline(__always)
    private mutating func string(_ s: String) -> Bool {
        let next = s.utf8.withContiguousStorageIfAvailable { u in Self.put(u.baseAddress, u.count, at: p, end: end) }
            ?? { var s = s; return s.withUTF8 { u in Self.put(u.baseAddress, u.count, at: p, end: end) } }()
        guard let next else { return false }
        p = next
        return true
    }

    /// Writes `n` bytes from `source` with their length before them at `p`;
    /// returns where the next field goes, or nil when they do not fit before
    /// `end` or hold a NUL. Out of line, and on values rather than on the
    /// writer, so it works in registers: one copy of the word-wise copy
    /// serves every string field (inlined five times, the function grew so
    /// large that the optimizer stopped inlining even pointer accessors in it).
    @inline(never)
    static func put(_ source: UnsafePointer<UInt8>?, _ n: Int, at p: UnsafeMutableRawPointer,
                    end: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        guard n <= (end - p) &- 4 else { return nil }
        var w = RawWriter(p)
        w.number(n)
        guard n > 0, let source else { return w.p }
        return copyFindingNUL(w.p, source, n) ? nil : w.p + n
    }

    /// `copyFindingNUL` for long strings. Out of line so that `put` makes no
    /// call on its common path and needs no registers saved.
    @inline(never)
    static func copyLongFindingNUL(_ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, _ n: Int) -> Bool {
        destination.copyMemory(from: source, byteCount: n)
        return UTF8Check.containsNUL(source, n)
    }

    /// Copies `source[0..<n]` to `destination` and tells whether it holds a
    /// NUL, reading each word once (the fields are short; a copy and then a
    /// separate scan read them twice). The loads follow `Bytes.copy`: whole
    /// words, the last overlapping the one before, short runs as overlapping
    /// halves, every one within the `n` bytes.
    @inline(__always)
    static func copyFindingNUL(_ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, _ n: Int) -> Bool {
        if n > 64 { return copyLongFindingNUL(destination, source, n) }
        if n >= 8 {
            var found: UInt64 = 0
            var i = 0
            while i + 8 < n {  // checked arithmetic keeps the compiler from unrolling (see UTF8Check)
                let w = source.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                destination.storeBytes(of: w, toByteOffset: i, as: UInt64.self)
                found |= UTF8Check.nul(w)
                i += 8
            }
            let last = n &- 8
            let w = source.loadUnaligned(fromByteOffset: last, as: UInt64.self)
            destination.storeBytes(of: w, toByteOffset: last, as: UInt64.self)
            return found | UTF8Check.nul(w) != 0
        }
        if n >= 4 {
            let first = source.loadUnaligned(as: UInt32.self)
            let last = source.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            destination.storeBytes(of: first, as: UInt32.self)
            destination.storeBytes(of: last, toByteOffset: n &- 4, as: UInt32.self)
            return UTF8Check.nul(UInt64(first) | UInt64(last) << 32) != 0
        }
        // 1 to 3 bytes: the first, the middle and the last cover them all.
        let first = source.load(as: UInt8.self)
        let mid = source.load(fromByteOffset: n >> 1, as: UInt8.self)
        let last = source.load(fromByteOffset: n &- 1, as: UInt8.self)
        destination.storeBytes(of: first, as: UInt8.self)
        destination.storeBytes(of: mid, toByteOffset: n >> 1, as: UInt8.self)
        destination.storeBytes(of: last, toByteOffset: n &- 1, as: UInt8.self)
        return first == 0 || mid == 0 || last == 0
    }
}

/// Writes packet fields forward from a pointer into space already reserved.
struct RawWriter {
    var p: UnsafeMutableRawPointer
    /// Whether a string written so far contained U+0000.
    var wroteNUL = false

    init(_ p: UnsafeMutableRawPointer) { self.p = p }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        p.storeBytes(of: b, as: UInt8.self)
        p += 1
    }

    @inline(__always)
    mutating func bigEndian(_ v: UInt32) {
        p.storeBytes(of: v.bigEndian, toByteOffset: 0, as: UInt32.self)
        p += 4
    }

    /// A subunit number in its shortest form (spec section 4).
    @inline(__always)
    mutating func number(_ v: Int) {
        let u = UInt32(truncatingIfNeeded: v)
        switch Number.width(v) {
        case 1: byte(UInt8(u))
        case 2: byte(UInt8(0x40 | (u >> 8))); byte(UInt8(truncatingIfNeeded: u))
        case 3: byte(UInt8(0x80 | (u >> 16))); byte(UInt8(truncatingIfNeeded: u >> 8)); byte(UInt8(truncatingIfNeeded: u))
        default: bigEndian(0xC000_0000 | u)
        }
    }

    @inline(__always)
    mutating func bytes(_ b: UnsafeRawBufferPointer) {
        if let base = b.baseAddress, b.count > 0 { Bytes.copy(p, base, b.count) }
        p += b.count
    }

    /// A length-prefixed string; `wroteNUL` notes a NUL in it, found while
    /// the bytes are at hand (the measuring pass does not look at them).
    @inline(__always)
    mutating func string(_ s: String) {
        // A String's UTF-8 is contiguous except when bridged from Objective-C;
        // reading it in place spares the copy of the String that withUTF8 needs.
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { u in utf8(UnsafeRawBufferPointer(u)) }
        if done == nil {
            var s = s
            s.withUTF8 { u in utf8(UnsafeRawBufferPointer(u)) }
        }
    }

    /// Out of line: one copy of the word-wise NUL test and copy serves every
    /// string field; inlined five times, they made a function so large that
    /// the optimizer stopped inlining even the pointer accessors in it.
    @inline(never)
    private mutating func utf8(_ u: UnsafeRawBufferPointer) {
        number(u.count)
        // The source, not the copy just written: reading back words that
        // straddle recent stores would wait for them.
        if u.count > 0 && UTF8Check.containsNUL(u.baseAddress!, u.count) { wroteNUL = true }
        bytes(u)
    }
}
