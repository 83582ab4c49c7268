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
    /// The wire bytes `tags` was made from (lengths and strings).
    private var tagBytes: [UInt8] = []

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
            mimeType: flags & Flags.mimeType != 0 ? mimeType.string(p, layout.mimeTypeSpan, orKnown: Self.knownMIMEType) : nil,
            routeCode: flags & Flags.routeCode != 0 ? routeCode.string(p, layout.routeCodeSpan) : nil,
            timestamp: flags & Flags.timestamp != 0 ? layout.stamp : nil)
    }

    /// The MIME types the tools send. Decoded to these literals, they are not
    /// allocated, and copying or dropping them costs no atomic reference
    /// counting (literals are never freed).
    static let knownMIMETypes = [
        "application/json", "application/octet-stream", "text/plain;charset=utf8", "text/x-traceback;charset=utf8",
    ]

    /// The known MIME type that is the `count` bytes at `b`, if any.
    static func knownMIMEType(_ b: UnsafeRawPointer, _ count: Int) -> String? {
        for var s in knownMIMETypes where RecentString.equal(&s, b, count) { return s }
        return nil
    }

    /// The tags at `layout.tagsSpan`: the previous packet's array when the
    /// tags field has the same bytes.
    private mutating func recentTags(_ p: UnsafeRawPointer, _ layout: PacketLayout) -> [String] {
        let span = p + Int(layout.tagsSpan.start)
        let count = Int(layout.tagsSpan.count)
        // Equal bytes and an equal count mean the same tags: the bytes are the
        // strings with their length prefixes.
        if tags.count == layout.tagCount && tagBytes.count == count
            && tagBytes.withUnsafeBytes({ count == 0 || Bytes.equal($0.baseAddress!, span, count) }) {
            return tags
        }
        tags = PacketView.tags(p, layout)
        tagBytes = Array(UnsafeRawBufferPointer(start: span, count: count))
        return tags
    }
}

/// One field's string from the previous packet.
struct RecentString: Sendable {
    private var value = ""

    /// The string at `span` of `p`: the previous one when it has those bytes, else a new one, kept.
    @inline(__always)
    mutating func string(_ p: UnsafeRawPointer, _ span: PacketLayout.Span) -> String {
        string(p, span, orKnown: { _, _ in nil })
    }

    /// Like `string(_:_:)`, but a new value is the one `known` gives for the
    /// bytes, when it gives one (asked only when the previous value differs).
    @inline(__always)
    mutating func string(
        _ p: UnsafeRawPointer, _ span: PacketLayout.Span, orKnown known: (UnsafeRawPointer, Int) -> String?
    ) -> String {
        let start = p + Int(span.start)
        let count = Int(span.count)
        if Self.equal(&value, start, count) { return value }
        value = known(start, count) ?? String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
        return value
    }

    /// Whether `s` is exactly the `count` bytes at `b`.
    @inline(__always)
    static func equal(_ s: inout String, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        // utf8.count is stored for the strings made here (native or small), so
        // a different length costs no byte comparison.
        guard s.utf8.count == count else { return false }
        return count == 0 || s.withUTF8 { u in Bytes.equal(UnsafeRawPointer(u.baseAddress!), b, count) }
    }
}
