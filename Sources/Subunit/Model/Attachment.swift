/// A whole attachment (file) of a test or of the stream, before it is cut into packets.
public struct Attachment: Sendable, Hashable {
    public var name: String
    /// nil or empty: none sent (readers then assume `application/octet-stream`).
    public var mimeType: String?
    public var content: [UInt8]

    public init(name: String, mimeType: String?, content: [UInt8]) {
        self.name = name
        self.mimeType = mimeType
        self.content = content
    }

    /// A UTF-8 text attachment, `text/plain;charset=utf8` unless told otherwise.
    public init(name: String, text: String, mimeType: String = "text/plain;charset=utf8") {
        self.init(name: name, mimeType: mimeType, content: Array(text.utf8))
    }

    /// The packets that carry this attachment, chunks of at most `chunkSize`
    /// content bytes, in order (spec section 9.4).
    ///
    /// The first chunk carries the MIME type. The last carries EOF and also
    /// `status`, `tags` and `timestamp`, so an attachment can travel in a test's
    /// final packet (where the tools expect it: attachments after the final
    /// status make a phantom failing test). An empty attachment is one empty
    /// EOF chunk. Chunks are made lazily; nothing is copied until iterated.
    public func packets(
        testID: String?,
        status: TestStatus = .undefined,
        tags: [String] = [],
        runnable: Bool = true,
        routeCode: String? = nil,
        timestamp: Timestamp? = nil,
        chunkSize: Int = Limits.defaultChunkSize
    ) -> Chunks {
        precondition(chunkSize > 0, "chunk size must be positive")
        let last = Packet(testID: testID, status: status, tags: tags, runnable: runnable,
                          eof: true, routeCode: routeCode, timestamp: timestamp)
        return Chunks(attachment: self, chunkSize: chunkSize, last: last)
    }

    /// The packets of one attachment; see `packets(testID:…)`.
    public struct Chunks: Sequence, Sendable {
        let attachment: Attachment
        let chunkSize: Int
        /// Template of the final chunk: everything but file and MIME type.
        let last: Packet

        public var underestimatedCount: Int { count }

        /// Number of packets (at least one).
        public var count: Int { Swift.max(1, (attachment.content.count + chunkSize - 1) / chunkSize) }

        public func makeIterator() -> Iterator { Iterator(chunks: self) }

        public struct Iterator: IteratorProtocol {
            let chunks: Chunks
            var index = 0

            public mutating func next() -> Packet? {
                let n = chunks.count
                guard index < n else { return nil }
                defer { index += 1 }
                let content = chunks.attachment.content
                let lower = index * chunks.chunkSize
                let upper = Swift.min(content.count, lower + chunks.chunkSize)
                var p: Packet
                if index == n - 1 {
                    p = chunks.last
                } else {
                    p = Packet(testID: chunks.last.testID, runnable: chunks.last.runnable,
                               routeCode: chunks.last.routeCode)
                }
                if index == 0 { p.mimeType = chunks.attachment.mimeType }
                p.file = FileChunk(name: chunks.attachment.name, content: Array(content[lower..<upper]))
                return p
            }
        }
    }
}
