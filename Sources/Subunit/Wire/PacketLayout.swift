/// Where each field of one complete, checked packet lies, as offsets into the
/// packet's bytes. Parsing validates everything (CRC, bounds, UTF-8) and copies
/// nothing; `PacketView` turns a layout into values on demand.
struct PacketLayout: Sendable {
    /// A byte range inside the packet.
    struct Span: Sendable {
        var start: Int32
        var count: Int32
        var range: Range<Int> { Int(start)..<Int(start) + Int(count) }
    }

    var flags: UInt16 = 0
    var timestamp: Timestamp?
    var testID: Span?
    /// The tag strings, each a subunit number length then bytes, `tagCount` of them.
    var tags: Span?
    var tagCount = 0
    var mimeType: Span?
    var fileName: Span?
    var fileContent: Span?
    var routeCode: Span?

    var status: TestStatus { TestStatus(rawValue: UInt8(flags & Flags.statusMask))! }
    var runnable: Bool { flags & Flags.runnable != 0 }
    var eof: Bool { flags & Flags.eof != 0 }

    /// Reads a subunit number at `pos`; nil when it runs past `end`.
    @inline(__always)
    static func number(_ p: UnsafeRawBufferPointer, at pos: Int, end: Int) -> (value: Int, width: Int)? {
        guard pos < end else { return nil }
        let b0 = Int(p[pos])
        let width = 1 + (b0 >> 6)
        guard pos + width <= end else { return nil }
        var v = b0 & 0x3F
        var k = 1
        while k < width {
            v = (v << 8) | Int(p[pos + k])
            k += 1
        }
        return (v, width)
    }

    /// Parses `p`, exactly one packet as delimited by its length field
    /// (`lengthWidth` bytes at offset 3). python-subunit's order of checks and
    /// messages are kept (spec 7.2); `strict` adds the checks it skips (7.4).
    static func parse(_ p: UnsafeRawBufferPointer, lengthWidth: Int, strict: Bool) -> Result<PacketLayout, ParseFailure> {
        let total = p.count
        let stored = UInt32(p[total - 4]) << 24 | UInt32(p[total - 3]) << 16 | UInt32(p[total - 2]) << 8 | UInt32(p[total - 1])
        let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: p[0..<total - 4]))
        guard computed == stored else {
            return .failure(ParseFailure(
                "Bad checksum - calculated (0x\(String(computed, radix: 16))), stored (0x\(String(stored, radix: 16)))"))
        }
        var layout = PacketLayout()
        layout.flags = UInt16(p[1]) << 8 | UInt16(p[2])
        let flags = layout.flags
        let end = total - 4
        var pos = 3 + lengthWidth
        // python reports string offsets relative to the buffer it sliced the
        // body from, minus two; reproduce that so messages match.
        let pyBase = lengthWidth == 3 ? 6 : 1
        func pyOffset(_ dataStart: Int) -> Int { dataStart - pyBase - 2 }

        func readString(_ what: String) -> Result<Span, ParseFailure> {
            guard let (len, w) = number(p, at: pos, end: end) else {
                return .failure(ParseFailure("\(what) length at packet offset \(pos) extends past end of packet"))
            }
            let dataStart = pos + w
            let available = Swift.max(0, Swift.min(len, end - dataStart))
            guard available == len else {
                return .failure(ParseFailure(
                    "UTF8 string at offset \(pyOffset(dataStart)) extends past end of packet: claimed \(len) bytes, \(available) available"))
            }
            switch UTF8Check.check(UnsafeRawBufferPointer(rebasing: p[dataStart..<dataStart + len])) {
            case .valid: break
            case .containsNUL:
                return .failure(ParseFailure("UTF8 string at offset \(pyOffset(dataStart)) contains NUL byte"))
            case .invalid:
                return .failure(ParseFailure("UTF8 string at offset \(pyOffset(dataStart)) is not UTF8"))
            case .unfinished(let undecoded):
                return .failure(ParseFailure(
                    "Invalid (partially decodable) string at offset \(pyOffset(dataStart)), \(undecoded) undecoded bytes"))
            }
            pos = dataStart + len
            return .success(Span(start: Int32(dataStart), count: Int32(len)))
        }

        if strict {
            if flags & Flags.versionMask != Flags.version2 {
                return .failure(ParseFailure("Unsupported version \(flags >> 12) in flags 0x\(String(flags, radix: 16))"))
            }
            if flags & Flags.reserved != 0 {
                return .failure(ParseFailure("Reserved flag bit 0x8 set in flags 0x\(String(flags, radix: 16))"))
            }
        }
        if flags & Flags.timestamp != 0 {
            guard pos + 4 <= end else {
                return .failure(ParseFailure("Timestamp at packet offset \(pos) extends past end of packet"))
            }
            let s = UInt32(p[pos]) << 24 | UInt32(p[pos + 1]) << 16 | UInt32(p[pos + 2]) << 8 | UInt32(p[pos + 3])
            guard let (ns, w) = number(p, at: pos + 4, end: end) else {
                return .failure(ParseFailure("Timestamp at packet offset \(pos) extends past end of packet"))
            }
            layout.timestamp = Timestamp(seconds: s, nanoseconds: UInt32(ns))
            pos += 4 + w
        }
        if flags & Flags.testID != 0 {
            switch readString("Test id") {
            case .success(let s): layout.testID = s
            case .failure(let f): return .failure(f)
            }
        }
        if flags & Flags.tags != 0 {
            guard let (count, w) = number(p, at: pos, end: end) else {
                return .failure(ParseFailure("Tag count at packet offset \(pos) extends past end of packet"))
            }
            pos += w
            let start = pos
            for _ in 0..<count {
                if case .failure(let f) = readString("Tag") { return .failure(f) }
            }
            layout.tagCount = count
            layout.tags = Span(start: Int32(start), count: Int32(pos - start))
        }
        if flags & Flags.mimeType != 0 {
            switch readString("MIME type") {
            case .success(let s): layout.mimeType = s
            case .failure(let f): return .failure(f)
            }
        }
        if flags & Flags.fileContent != 0 {
            switch readString("File name") {
            case .success(let s): layout.fileName = s
            case .failure(let f): return .failure(f)
            }
            guard let (len, w) = number(p, at: pos, end: end) else {
                return .failure(ParseFailure("File content length at packet offset \(pos) extends past end of packet"))
            }
            pos += w
            let available = Swift.max(0, Swift.min(len, end - pos))
            guard available == len else {
                return .failure(ParseFailure(
                    "File content extends past end of packet: claimed \(len) bytes, \(available) available"))
            }
            layout.fileContent = Span(start: Int32(pos), count: Int32(len))
            pos += len
        }
        if flags & Flags.routeCode != 0 {
            switch readString("Route code") {
            case .success(let s): layout.routeCode = s
            case .failure(let f): return .failure(f)
            }
        }
        if strict && pos != end {
            return .failure(ParseFailure("\(end - pos) unused bytes before the checksum"))
        }
        return .success(layout)
    }
}

/// Why a packet could not be decoded, in python-subunit's words where it has them.
struct ParseFailure: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}
