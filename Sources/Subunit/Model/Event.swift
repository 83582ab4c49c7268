/// What a decoder finds in a byte stream, in order.
public enum Event: Sendable, Hashable {
    /// A well-formed packet.
    case packet(Packet)
    /// Bytes between packets (build-tool chatter, a test writing straight to
    /// the descriptor). python-subunit reports them as a `stdout` file.
    case nonSubunit([UInt8])
    /// A damaged packet, skipped; decoding goes on after it.
    case corrupt(Corruption)
}

/// A packet that could not be decoded: what python-subunit would report as
/// the failing pseudo-test `subunit.parser`.
public struct Corruption: Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, in python-subunit's words where it has them
    /// (`Bad checksum - calculated (0x…), stored (0x…)`).
    public var message: String
    /// The bytes python-subunit shows as `Packet data`: those it had read for
    /// the packet (sometimes only the first few).
    public var packetData: [UInt8]
    /// Offset in the input where the damaged packet started.
    public var offset: Int
    /// How many input bytes were skipped because of it.
    public var skipped: Int
    /// Route code of the stream it came from when several are merged.
    public var routeCode: String?

    public init(message: String, packetData: [UInt8], offset: Int, skipped: Int, routeCode: String? = nil) {
        self.message = message
        self.packetData = packetData
        self.offset = offset
        self.skipped = skipped
        self.routeCode = routeCode
    }

    public var description: String {
        "subunit stream: corrupt packet at byte \(offset) (\(message)); \(skipped) bytes skipped"
    }

    /// The test id python-subunit gives parse errors.
    public static let parserTestID = "subunit.parser"

    /// The two packets python-subunit emits for it: `Packet data`
    /// (application/octet-stream) then a `fail` carrying `Parser Error`.
    public var packets: [Packet] {
        [
            Packet(testID: Self.parserTestID, file: FileChunk(name: "Packet data", content: packetData),
                   eof: true, mimeType: "application/octet-stream", routeCode: routeCode),
            Packet(testID: Self.parserTestID, status: .fail,
                   file: FileChunk(name: "Parser Error", content: Array(message.utf8)),
                   eof: true, mimeType: "text/plain;charset=utf8", routeCode: routeCode),
        ]
    }
}

extension Packet {
    /// The name python-subunit gives bytes found between packets.
    public static let nonSubunitFileName = "stdout"

    /// Non-subunit bytes as python-subunit reports them: a stream-level `stdout` chunk.
    public static func nonSubunit(_ bytes: [UInt8], routeCode: String? = nil) -> Packet {
        Packet(file: FileChunk(name: nonSubunitFileName, content: bytes), routeCode: routeCode)
    }
}
