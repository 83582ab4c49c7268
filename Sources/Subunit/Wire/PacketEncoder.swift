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
        // Measure the body first: the width of the length field depends on it.
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
            body += try Self.stringSize(id, field: "test id")
        }
        if !packet.tags.isEmpty {
            flags |= Flags.tags
            body += try Self.numberSize(packet.tags.count, field: "tags")
            for tag in packet.tags { body += try Self.stringSize(tag, field: "tag") }
        }
        if let mime = packet.mimeType, !mime.isEmpty {
            flags |= Flags.mimeType
            body += try Self.stringSize(mime, field: "MIME type")
        }
        if let file = packet.file {
            flags |= Flags.fileContent
            body += try Self.stringSize(file.name, field: "file name")
            body += try Self.numberSize(file.content.count, field: "file content") + file.content.count
        }
        if let route = packet.routeCode {
            flags |= Flags.routeCode
            body += try Self.stringSize(route, field: "route code")
        }

        let total = try Self.totalSize(body: body)
        let start = out.count
        out.reserveCapacity(start + total)
        out.append(Limits.signature)
        out.append(UInt8(flags >> 8))
        out.append(UInt8(truncatingIfNeeded: flags))
        Number.append(total, to: &out)
        if let ts = packet.timestamp {
            Self.appendBigEndian(ts.seconds, to: &out)
            Number.append(Int(ts.nanoseconds), to: &out)
        }
        if let id = packet.testID { Self.appendString(id, to: &out) }
        if !packet.tags.isEmpty {
            Number.append(packet.tags.count, to: &out)
            for tag in packet.tags { Self.appendString(tag, to: &out) }
        }
        if let mime = packet.mimeType, !mime.isEmpty { Self.appendString(mime, to: &out) }
        if let file = packet.file {
            Self.appendString(file.name, to: &out)
            Number.append(file.content.count, to: &out)
            out.append(contentsOf: file.content)
        }
        if let route = packet.routeCode { Self.appendString(route, to: &out) }
        let crc = out.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        Self.appendBigEndian(crc, to: &out)
        assert(out.count - start == total, "packet size computed wrongly")
    }

    /// Encodes one packet into a new array.
    public func encode(_ packet: Packet) throws(EncodingError) -> [UInt8] {
        var out: [UInt8] = []
        try encode(packet, into: &out)
        return out
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
    private static func stringSize(_ s: String, field: String) throws(EncodingError) -> Int {
        let utf8 = s.utf8
        let hasNUL = utf8.withContiguousStorageIfAvailable { $0.contains(0) } ?? utf8.contains(0)
        guard !hasNUL else { throw EncodingError(.stringContainsNUL, field: field) }
        let n = utf8.count
        return try numberSize(n, field: field) + n
    }

    @inline(__always)
    private static func appendString(_ s: String, to out: inout [UInt8]) {
        Number.append(s.utf8.count, to: &out)
        out.append(contentsOf: s.utf8)
    }

    @inline(__always)
    private static func appendBigEndian(_ v: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(v >> 24))
        out.append(UInt8(truncatingIfNeeded: v >> 16))
        out.append(UInt8(truncatingIfNeeded: v >> 8))
        out.append(UInt8(truncatingIfNeeded: v))
    }
}
