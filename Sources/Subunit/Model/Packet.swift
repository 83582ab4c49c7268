/// One subunit v2 packet as values: what a test reports at one moment.
///
/// Every field is optional on the wire. Defaults follow python-subunit's
/// `StreamResult.status()`: no status, runnable true, no EOF.
public struct Packet: Sendable, Hashable {
    // The one-byte fields come first, so they share a word. The order also
    // keeps the public initializer below distinct from the memberwise one the
    // compiler makes, which it builds straight into its result; initializers
    // that assign field by field cost a copy of the whole packet (a retain and
    // a release per string and array) in optimized builds.
    public var status: TestStatus
    /// Whether the entity can be selected and run on its own (false for fixtures, subtests).
    public var runnable: Bool
    /// The chunk ends its file.
    public var eof: Bool
    /// Test id; nil for a stream-level packet (run output, clock update).
    public var testID: String?
    /// Tags in wire order; empty means no tags field (the consumers treat tags as a set).
    public var tags: [String]
    /// A chunk of an attachment: its file name and these bytes.
    public var file: FileChunk?
    /// MIME type of the file this chunk belongs to; nil or empty means none sent.
    public var mimeType: String?
    /// `/`-separated origin of the packet (which worker, peer or stream produced it).
    public var routeCode: String?
    public var timestamp: Timestamp?
}

extension Packet {
    public init(
        testID: String? = nil,
        status: TestStatus = .undefined,
        tags: [String] = [],
        runnable: Bool = true,
        file: FileChunk? = nil,
        eof: Bool = false,
        mimeType: String? = nil,
        routeCode: String? = nil,
        timestamp: Timestamp? = nil
    ) {
        self.init(status: status, runnable: runnable, eof: eof, testID: testID, tags: tags, file: file,
                  mimeType: mimeType, routeCode: routeCode, timestamp: timestamp)
    }
}

/// A piece of an attachment carried by one packet.
public struct FileChunk: Sendable, Hashable {
    /// The attachment's name within its test (`traceback`, `stdout`, `result.json`).
    public var name: String
    public var content: [UInt8]

    public init(name: String, content: [UInt8]) {
        self.name = name
        self.content = content
    }
}
