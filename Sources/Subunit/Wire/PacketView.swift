/// A decoded, checked packet whose fields still lie in the decoder's buffer.
///
/// Valid only inside the `PacketDecoder.nextView` closure that received it.
/// Reading a field as bytes copies nothing; `packet` makes owned values.
public struct PacketView {
    /// The whole packet, signature to CRC.
    public let bytes: UnsafeRawBufferPointer
    let layout: PacketLayout

    @usableFromInline
    init(bytes: UnsafeRawBufferPointer, layout: PacketLayout) {
        self.bytes = bytes
        self.layout = layout
    }

    public var status: TestStatus { layout.status }
    public var runnable: Bool { layout.runnable }
    public var eof: Bool { layout.eof }
    public var timestamp: Timestamp? { layout.timestamp }
    public var tagCount: Int { layout.tagCount }

    public var testIDBytes: UnsafeRawBufferPointer? { slice(layout.testID) }
    public var mimeTypeBytes: UnsafeRawBufferPointer? { slice(layout.mimeType) }
    public var fileNameBytes: UnsafeRawBufferPointer? { slice(layout.fileName) }
    public var fileContent: UnsafeRawBufferPointer? { slice(layout.fileContent) }
    public var routeCodeBytes: UnsafeRawBufferPointer? { slice(layout.routeCode) }

    public var testID: String? { string(layout.testID) }
    public var mimeType: String? { string(layout.mimeType) }
    public var fileName: String? { string(layout.fileName) }
    public var routeCode: String? { string(layout.routeCode) }

    /// Tags in wire order.
    public var tags: [String] {
        guard let base = bytes.baseAddress else { return [] }
        return Self.tags(base, layout)
    }

    /// The tags of the packet at `p`, parsed into `layout`, in wire order.
    static func tags(_ p: UnsafeRawPointer, _ layout: PacketLayout) -> [String] {
        guard layout.has(Flags.tags), layout.tagCount > 0 else { return [] }
        let span = layout.tagsSpan
        let end = Int(span.start) + Int(span.count)
        var out: [String] = []
        out.reserveCapacity(layout.tagCount)
        var pos = Int(span.start)
        for _ in 0..<layout.tagCount {
            // Parsing checked that `tagCount` length-prefixed strings fill the span.
            let (count, width) = PacketLayout.number(p, at: pos, end: end)!
            out.append(String(decoding: UnsafeRawBufferPointer(start: p + pos + width, count: count), as: UTF8.self))
            pos += width + count
        }
        return out
    }

    /// The packet as owned values.
    public var packet: Packet {
        var recent = RecentStrings()
        return recent.packet(bytes.baseAddress!, layout)
    }

    @inline(__always)
    private func slice(_ span: PacketLayout.Span?) -> UnsafeRawBufferPointer? {
        guard let span else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[span.range])
    }

    @inline(__always)
    private func string(_ span: PacketLayout.Span?) -> String? {
        guard let b = slice(span) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }
}

/// An event whose bytes still lie in the decoder's buffer; see `PacketView`.
public enum EventView {
    case packet(PacketView)
    case nonSubunit(UnsafeRawBufferPointer)
    case corrupt(Corruption)

    /// The event as owned values.
    public var event: Event {
        switch self {
        case .packet(let v): .packet(v.packet)
        case .nonSubunit(let b): .nonSubunit(Array(b))
        case .corrupt(let c): .corrupt(c)
        }
    }
}
