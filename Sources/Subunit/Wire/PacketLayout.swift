/// Where each field of one complete, checked packet lies, as offsets into the
/// packet's bytes. Parsing validates everything (CRC, bounds, UTF-8) and copies
/// nothing; `PacketView` turns a layout into values on demand.
///
/// A field's span is meaningful only when its flag is set; the flags are the
/// single record of which fields are present, so the layout holds no optionals.
@usableFromInline
struct PacketLayout: Sendable {
    /// A byte range inside the packet.
    struct Span: Sendable {
        var start: Int32
        var count: Int32

        static let empty = Span(0, 0)

        /// `start` and `count` lie within a packet, so below 2^22.
        @inline(__always)
        init(_ start: Int, _ count: Int) {
            self.start = Int32(truncatingIfNeeded: start)
            self.count = Int32(truncatingIfNeeded: count)
        }

        var range: Range<Int> { Int(start)..<Int(start) + Int(count) }
    }

    var flags: UInt16
    /// Meaningful when `Flags.timestamp` is set.
    var stamp = Timestamp(seconds: 0)
    var testIDSpan = Span.empty
    /// The tag strings, each a subunit number length then bytes, `tagCount` of them.
    var tagsSpan = Span.empty
    var tagCount = 0
    var mimeTypeSpan = Span.empty
    var fileNameSpan = Span.empty
    var fileContentSpan = Span.empty
    var routeCodeSpan = Span.empty

    init(flags: UInt16) {
        self.flags = flags
    }

    var status: TestStatus { TestStatus(rawValue: UInt8(flags & Flags.statusMask))! }
    var runnable: Bool { flags & Flags.runnable != 0 }
    var eof: Bool { flags & Flags.eof != 0 }

    @inline(__always)
    func has(_ flag: UInt16) -> Bool { flags & flag != 0 }

    var timestamp: Timestamp? { has(Flags.timestamp) ? stamp : nil }
    var testID: Span? { has(Flags.testID) ? testIDSpan : nil }
    var mimeType: Span? { has(Flags.mimeType) ? mimeTypeSpan : nil }
    var fileName: Span? { has(Flags.fileContent) ? fileNameSpan : nil }
    var fileContent: Span? { has(Flags.fileContent) ? fileContentSpan : nil }
    var routeCode: Span? { has(Flags.routeCode) ? routeCodeSpan : nil }

    /// Reads a subunit number at `pos`; nil when it runs past `end`.
    @inline(__always)
    static func number(_ p: UnsafeRawPointer, at pos: Int, end: Int) -> (value: Int, width: Int)? {
        guard pos < end else { return nil }
        let b0 = Int(p.load(fromByteOffset: pos, as: UInt8.self))
        let width = 1 + (b0 >> 6)
        guard pos + width <= end else { return nil }
        var v = b0 & 0x3F
        var k = 1
        while k < width {
            v = (v << 8) | Int(p.load(fromByteOffset: pos + k, as: UInt8.self))
            k += 1
        }
        return (v, width)
    }

    /// The CRC-32 of all but the last four bytes of `p[0..<count]` against
    /// those four (big-endian); nil when they agree. `count` is at least 5.
    @inline(__always)
    static func checksumFailure(_ p: UnsafeRawPointer, count: Int) -> ParseFailure? {
        let stored = p.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self).bigEndian
        let computed = CRC32.checksum(UnsafeRawBufferPointer(start: p, count: count - 4))
        return computed == stored ? nil : .badChecksum(computed: computed, stored: stored)
    }

    /// Parses `p[0..<count]`, exactly one packet as delimited by its length
    /// field (`lengthWidth` bytes at offset 3), at least `3 + lengthWidth + 4`
    /// bytes long. python-subunit's order of checks is kept (spec 7.2), so the
    /// same damage gets the same message; `strict` adds the checks it skips (7.4).
    @inline(__always)
    static func parse(_ p: UnsafeRawPointer, count: Int, lengthWidth: Int, strict: Bool) throws(ParseFailure) -> PacketLayout {
        if let failure = checksumFailure(p, count: count) { throw failure }
        let flags = p.loadUnaligned(fromByteOffset: 1, as: UInt16.self).bigEndian
        var layout = PacketLayout(flags: flags)
        var fields = FieldReader(p, at: 3 + lengthWidth, end: count - 4, lengthWidth: lengthWidth)
        if strict {
            if flags & Flags.versionMask != Flags.version2 { throw .unsupportedVersion(flags: flags) }
            if flags & Flags.reserved != 0 { throw .reservedFlagBit(flags: flags) }
        }
        if flags & Flags.timestamp != 0 { layout.stamp = try fields.timestamp() }
        if flags & Flags.testID != 0 { layout.testIDSpan = try fields.string(.testID) }
        if flags & Flags.tags != 0 {
            let count = try fields.number(.tagCount)
            let start = fields.pos
            for _ in 0..<count { _ = try fields.string(.tag) }
            layout.tagCount = count
            layout.tagsSpan = Span(start, fields.pos &- start)
        }
        if flags & Flags.mimeType != 0 { layout.mimeTypeSpan = try fields.string(.mimeType) }
        if flags & Flags.fileContent != 0 {
            layout.fileNameSpan = try fields.string(.fileName)
            layout.fileContentSpan = try fields.bytes()
        }
        if flags & Flags.routeCode != 0 { layout.routeCodeSpan = try fields.string(.routeCode) }
        if strict && fields.pos != fields.end { throw .unusedBytes(fields.end - fields.pos) }
        return layout
    }
}

/// Reads the fields of one packet front to back, checking each against the
/// end of the body (the CRC's offset). Every read is bounds-checked against
/// `end` before it loads, which is what makes the unchecked loads safe: the
/// caller's buffer holds at least `end + 4` bytes. Positions stay below the
/// packet size (under 2^22) and numbers below 2^30, so the arithmetic on them
/// cannot overflow and is written unchecked.
struct FieldReader {
    let p: UnsafeRawPointer
    let end: Int
    let lengthWidth: Int
    var pos: Int

    @inline(__always)
    init(_ p: UnsafeRawPointer, at pos: Int, end: Int, lengthWidth: Int) {
        self.p = p
        self.pos = pos
        self.end = end
        self.lengthWidth = lengthWidth
    }

    /// A string's offset as python-subunit reports it: relative to the buffer
    /// it sliced the body from, minus two.
    private func pyOffset(_ start: Int) -> Int {
        start - (lengthWidth == 3 ? 6 : 1) - 2
    }

    @inline(__always)
    private func byte(_ offset: Int) -> Int { Int(p.load(fromByteOffset: offset, as: UInt8.self)) }

    /// A subunit number (spec section 4).
    @inline(__always)
    mutating func number(_ field: ParseFailure.Field) throws(ParseFailure) -> Int {
        guard pos < end else { throw .pastEnd(field, at: pos) }
        let b0 = byte(pos)
        if b0 < 0x40 {  // the one-byte form: every short string's length
            pos &+= 1
            return b0
        }
        let width = 1 &+ (b0 >> 6)
        guard pos &+ width <= end else { throw .pastEnd(field, at: pos) }
        var v = b0 & 0x3F
        for k in 1..<width { v = (v << 8) | byte(pos &+ k) }
        pos &+= width
        return v
    }

    /// Seconds (4 bytes big-endian) then nanoseconds (a number).
    @inline(__always)
    mutating func timestamp() throws(ParseFailure) -> Timestamp {
        let at = pos
        guard pos &+ 4 <= end else { throw .pastEnd(.timestamp, at: at) }
        let seconds = p.loadUnaligned(fromByteOffset: pos, as: UInt32.self).bigEndian
        pos &+= 4
        do {
            let ns = try number(.timestamp)
            return Timestamp(seconds: seconds, nanoseconds: UInt32(ns))
        } catch {
            throw .pastEnd(.timestamp, at: at)
        }
    }

    /// A length-prefixed UTF-8 string without NUL.
    @inline(__always)
    mutating func string(_ field: ParseFailure.Field) throws(ParseFailure) -> PacketLayout.Span {
        let count = try number(field)
        let start = pos
        guard count <= end &- start else {
            throw .stringPastEnd(at: pyOffset(start), claimed: count, available: Swift.max(0, end &- start))
        }
        switch UTF8Check.check(p + start, count: count) {
        case .valid: break
        case .containsNUL: throw .stringContainsNUL(at: pyOffset(start))
        case .invalid: throw .stringNotUTF8(at: pyOffset(start))
        case .unfinished(let undecoded): throw .stringUnfinished(at: pyOffset(start), undecoded: undecoded)
        }
        pos = start &+ count
        return PacketLayout.Span(start, count)
    }

    /// File content: a length then that many bytes.
    @inline(__always)
    mutating func bytes() throws(ParseFailure) -> PacketLayout.Span {
        let count = try number(.fileContent)
        guard count <= end &- pos else {
            throw .fileContentPastEnd(claimed: count, available: Swift.max(0, end &- pos))
        }
        defer { pos &+= count }
        return PacketLayout.Span(pos, count)
    }
}

/// Why a packet could not be decoded. Plain values, so the success path never
/// builds a string; `message` words it the way python-subunit does.
enum ParseFailure: Error, Sendable, Equatable {
    /// A field whose length (or whole value) runs past the end of the packet.
    enum Field: Sendable, Equatable {
        case timestamp, testID, tagCount, tag, mimeType, fileName, fileContent, routeCode

        /// How python-subunit names the part that ran past the end.
        var name: String {
            switch self {
            case .timestamp: "Timestamp"
            case .testID: "Test id length"
            case .tagCount: "Tag count"
            case .tag: "Tag length"
            case .mimeType: "MIME type length"
            case .fileName: "File name length"
            case .fileContent: "File content length"
            case .routeCode: "Route code length"
            }
        }
    }

    case badChecksum(computed: UInt32, stored: UInt32)
    case unsupportedVersion(flags: UInt16)
    case reservedFlagBit(flags: UInt16)
    /// `at` is the packet offset where the field starts.
    case pastEnd(Field, at: Int)
    /// `at` is the string's offset as python-subunit counts it.
    case stringPastEnd(at: Int, claimed: Int, available: Int)
    case stringContainsNUL(at: Int)
    case stringNotUTF8(at: Int)
    case stringUnfinished(at: Int, undecoded: Int)
    case fileContentPastEnd(claimed: Int, available: Int)
    case unusedBytes(Int)

    /// The message, in python-subunit's words where it has them.
    var message: String {
        switch self {
        case .badChecksum(let computed, let stored):
            "Bad checksum - calculated (0x\(String(computed, radix: 16))), stored (0x\(String(stored, radix: 16)))"
        case .unsupportedVersion(let flags):
            "Unsupported version \(flags >> 12) in flags 0x\(String(flags, radix: 16))"
        case .reservedFlagBit(let flags):
            "Reserved flag bit 0x8 set in flags 0x\(String(flags, radix: 16))"
        case .pastEnd(let field, let at):
            "\(field.name) at packet offset \(at) extends past end of packet"
        case .stringPastEnd(let at, let claimed, let available):
            "UTF8 string at offset \(at) extends past end of packet: claimed \(claimed) bytes, \(available) available"
        case .stringContainsNUL(let at):
            "UTF8 string at offset \(at) contains NUL byte"
        case .stringNotUTF8(let at):
            "UTF8 string at offset \(at) is not UTF8"
        case .stringUnfinished(let at, let undecoded):
            "Invalid (partially decodable) string at offset \(at), \(undecoded) undecoded bytes"
        case .fileContentPastEnd(let claimed, let available):
            "File content extends past end of packet: claimed \(claimed) bytes, \(available) available"
        case .unusedBytes(let n):
            "\(n) unused bytes before the checksum"
        }
    }
}
