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
    private var testID = RecentString()
    private var mimeType = RecentString()
    private var fileName = RecentString()
    private var routeCode = RecentString()
    private var tags: [String] = []

    /// The packet at `p`, parsed into `layout`, as owned values.
    @inline(__always)
    mutating func packet(_ p: UnsafeRawPointer, _ layout: PacketLayout) -> Packet {
        let flags = layout.flags
        var file: FileChunk?
        if flags & Flags.fileContent != 0 {
            let content = layout.fileContentSpan
            file = FileChunk(
                name: fileName.string(p, layout.fileNameSpan),
                content: Array(UnsafeRawBufferPointer(start: p + Int(content.start), count: Int(content.count))))
        }
        return Packet(
            status: layout.status,
            runnable: flags & Flags.runnable != 0,
            eof: flags & Flags.eof != 0,
            testID: flags & Flags.testID != 0 ? testID.string(p, layout.testIDSpan) : nil,
            tags: flags & Flags.tags != 0 ? recentTags(p, layout) : [],
            file: file,
            mimeType: flags & Flags.mimeType != 0 ? mimeType.string(p, layout.mimeTypeSpan) : nil,
            routeCode: flags & Flags.routeCode != 0 ? routeCode.string(p, layout.routeCodeSpan) : nil,
            timestamp: flags & Flags.timestamp != 0 ? layout.stamp : nil)
    }

    /// The tags at `layout.tagsSpan`: the previous packet's array when every tag is the same.
    private mutating func recentTags(_ p: UnsafeRawPointer, _ layout: PacketLayout) -> [String] {
        let span = layout.tagsSpan
        let end = Int(span.start) + Int(span.count)
        if tags.count == layout.tagCount {
            var pos = Int(span.start)
            var same = true
            for k in 0..<tags.count {
                // Parsing checked that `tagCount` length-prefixed strings fill the span.
                let (count, width) = PacketLayout.number(p, at: pos, end: end)!
                if !RecentString.equal(&tags[k], p + pos + width, count) {
                    same = false
                    break
                }
                pos += width + count
            }
            if same { return tags }
        }
        tags = PacketView.tags(p, layout)
        return tags
    }
}

/// One field's string from the previous packet.
struct RecentString: Sendable {
    private var value = ""

    /// The string at `span` of `p`: the previous one when it has those bytes, else a new one, kept.
    @inline(__always)
    mutating func string(_ p: UnsafeRawPointer, _ span: PacketLayout.Span) -> String {
        let start = p + Int(span.start)
        let count = Int(span.count)
        if Self.equal(&value, start, count) { return value }
        value = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
        return value
    }

    /// Whether `s` is exactly the `count` bytes at `b`.
    @inline(__always)
    static func equal(_ s: inout String, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        // utf8.count is stored for the strings made here (native or small), so
        // a different length costs no byte comparison.
        guard s.utf8.count == count else { return false }
        return s.withUTF8 { u in count == 0 || memcmp(u.baseAddress!, b, count) == 0 }
    }
}
