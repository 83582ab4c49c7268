#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The strings of the previous packet, reused when the next packet carries
/// the same bytes: a test's packets repeat its id, route code, tags and MIME
/// type, so most owned packets then share storage instead of allocating.
/// The bytes are compared in full; a miss makes a fresh value.
struct RecentStrings: Sendable {
    private var testID: String?
    private var mimeType: String?
    private var fileName: String?
    private var routeCode: String?
    private var tags: [String] = []

    /// The packet in `view` as owned values.
    mutating func packet(_ view: PacketView) -> Packet {
        let layout = view.layout
        let bytes = view.bytes
        var file: FileChunk?
        if let nameSpan = layout.fileName, let content = view.fileContent {
            file = FileChunk(name: Self.reuse(&fileName, bytes, nameSpan), content: Array(content))
        }
        return Packet(
            testID: layout.testID.map { Self.reuse(&testID, bytes, $0) },
            status: layout.status,
            tags: recentTags(view),
            runnable: layout.runnable,
            file: file,
            eof: layout.eof,
            mimeType: layout.mimeType.map { Self.reuse(&mimeType, bytes, $0) },
            routeCode: layout.routeCode.map { Self.reuse(&routeCode, bytes, $0) },
            timestamp: layout.timestamp)
    }

    /// The string at `span`: `cached` when it holds those bytes, else a new one, kept in `cached`.
    @inline(__always)
    private static func reuse(_ cached: inout String?, _ bytes: UnsafeRawBufferPointer, _ span: PacketLayout.Span) -> String {
        let b = UnsafeRawBufferPointer(rebasing: bytes[span.range])
        if var c = cached, Self.equal(&c, b) { return c }
        let s = String(decoding: b, as: UTF8.self)
        cached = s
        return s
    }

    @inline(__always)
    private static func equal(_ s: inout String, _ b: UnsafeRawBufferPointer) -> Bool {
        s.withUTF8 { u in
            u.count == b.count && (u.count == 0 || memcmp(u.baseAddress!, b.baseAddress!, u.count) == 0)
        }
    }

    private mutating func recentTags(_ view: PacketView) -> [String] {
        let layout = view.layout
        guard let span = layout.tags, layout.tagCount > 0 else { return [] }
        let bytes = view.bytes
        // Same tags as last time?
        if tags.count == layout.tagCount {
            var pos = span.range.lowerBound
            var same = true
            for k in 0..<tags.count {
                let (len, w) = PacketLayout.number(bytes, at: pos, end: span.range.upperBound)!
                var tag = tags[k]
                if !Self.equal(&tag, UnsafeRawBufferPointer(rebasing: bytes[pos + w..<pos + w + len])) {
                    same = false
                    break
                }
                pos += w + len
            }
            if same { return tags }
        }
        tags = view.tags
        return tags
    }
}
