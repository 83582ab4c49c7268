/// What a stream said about one test, assembled the way testtools (and so
/// subunit2junitxml, subunit-stats and stestr) assemble it.
///
/// A test is identified by test id and route code. Its record starts with the
/// first packet naming it and closes at a packet with a status other than
/// undefined or inprogress; anything after that starts a new record.
public struct TestRecord: Sendable, Hashable {
    public var testID: String
    public var routeCode: String?
    /// The last status received; `undefined` or `inProgress` if it never finished.
    public var status: TestStatus
    /// False when the stream ended before a final status: the tools count it as a failure.
    public var isComplete: Bool
    /// The most recent tag set received (testtools keeps only the latest).
    public var tags: [String]
    public var runnable: Bool
    /// Timestamp of the packet that opened the record.
    public var start: Timestamp?
    /// Timestamp of the last packet (nil if that packet had none, as in testtools).
    public var end: Timestamp?
    /// Attachments in the order first seen; non-empty chunks concatenated, MIME type of the first.
    public var attachments: [Attachment]

    public init(testID: String, routeCode: String?, start: Timestamp?) {
        self.testID = testID
        self.routeCode = routeCode
        self.status = .undefined
        self.isComplete = false
        self.tags = []
        self.runnable = true
        self.start = start
        self.end = nil
        self.attachments = []
    }

    /// Seconds from start to end, when both are known.
    public var duration: Double? {
        guard let start, let end else { return nil }
        return Double(end.nanoseconds(since: start)) / 1e9
    }

    /// The attachment called `name`, if any.
    public func attachment(named name: String) -> Attachment? {
        attachments.first { $0.name == name }
    }

    /// How the tools judge it: failed if the status is fail or uxsuccess, or if it never finished.
    public var failed: Bool { !isComplete || status.isFailure }

    /// `tags` as a sorted set; already-sorted tags (what encoders send) are
    /// shared rather than rebuilt.
    static func sortedUnique(_ tags: [String]) -> [String] {
        var k = 1
        while k < tags.count && tags[k - 1] < tags[k] { k += 1 }
        if k >= tags.count { return tags }
        return Array(Set(tags)).sorted()
    }

    /// Applies one packet naming this test (testtools `_update_case`).
    mutating func apply(_ p: Packet, keepingAttachments: Bool = true) {
        if p.status != .undefined { status = p.status }
        end = p.timestamp
        if keepingAttachments, let file = p.file, !file.content.isEmpty {
            if let k = attachments.firstIndex(where: { $0.name == file.name }) {
                attachments[k].content += file.content
            } else {
                attachments.append(Attachment(name: file.name, mimeType: p.mimeType, content: file.content))
            }
        }
        if !p.tags.isEmpty { tags = Self.sortedUnique(p.tags) }
        runnable = p.runnable
    }
}

/// Follows which tests are open, keyed by (test id, route code), and hands
/// each record on when it closes or when the run stops.
struct RecordTracker: Sendable {
    struct Key: Hashable, Sendable {
        var testID: String
        var routeCode: String?
    }

    /// False to count tests without holding their attachments in memory.
    var keepsAttachments = true
    private var open: [Key: TestRecord] = [:]
    /// Keys in the order their records opened, to settle unfinished ones deterministically.
    private var order: [Key] = []

    /// Applies a packet; returns the record it closed, if any.
    mutating func apply(_ p: Packet) -> TestRecord? {
        guard let id = p.testID else { return nil }
        let key = Key(testID: id, routeCode: p.routeCode)
        let closes = p.status != .undefined && p.status != .inProgress
        // One hash lookup for a known test; the record is updated in place.
        if let i = open.index(forKey: key) {
            open.values[i].apply(p, keepingAttachments: keepsAttachments)
            guard closes else { return nil }
            var record = open.remove(at: i).value
            record.isComplete = true
            if order.count > 2 * open.count + 1024 { order.removeAll { open[$0] == nil } }
            return record
        }
        var record = TestRecord(testID: id, routeCode: p.routeCode, start: p.timestamp)
        record.apply(p, keepingAttachments: keepsAttachments)
        guard closes else {
            order.append(key)
            open[key] = record
            return nil
        }
        record.isComplete = true
        return record
    }

    /// The records still open, newest first (testtools pops its dict from the
    /// end), marked incomplete.
    mutating func finish() -> [TestRecord] {
        let left = order.reversed().compactMap { open.removeValue(forKey: $0) }
        order.removeAll()
        return left
    }
}
