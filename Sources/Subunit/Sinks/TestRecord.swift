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
}

extension TestRecord {
    // Outside the struct, so that the compiler still makes the memberwise
    // initializer, which builds the record in place (assigning field by field
    // costs a copy of the whole record in optimized builds).
    public init(testID: String, routeCode: String?, start: Timestamp?) {
        self.init(testID: testID, routeCode: routeCode, status: .undefined, isComplete: false, tags: [],
                  runnable: true, start: start, end: nil, attachments: [])
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

    /// Applies one packet naming this test (testtools `_update_case`); with
    /// `keepingDetails` false, only its status (for counting outcomes).
    mutating func apply(_ p: Packet, keepingDetails: Bool = true) {
        if p.status != .undefined { status = p.status }
        guard keepingDetails else { return }
        end = p.timestamp
        if let file = p.file, !file.content.isEmpty {
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

    /// False to count outcomes only: records then hold their status, not
    /// attachments, tags or times.
    var keepsDetails = true
    /// The most recently opened record, while it is open, kept out of `open`:
    /// a test's packets mostly arrive together (all of them, when tests run
    /// one at a time), so most packets find their record here by comparing
    /// two strings instead of hashing them, and nothing is stored for it.
    private var newest: TestRecord?
    /// The other open records.
    private var open: [Key: TestRecord] = [:]
    /// Keys of the records in `open`, in the order they opened (they enter
    /// `open` in that order, when a newer one takes their place), to settle
    /// unfinished ones deterministically; closed ones are dropped now and then.
    private var order: [Key] = []

    /// Applies a packet; returns the record it closed, if any.
    mutating func apply(_ p: Packet) -> TestRecord? {
        guard let id = p.testID else { return nil }
        let closes = p.status != .undefined && p.status != .inProgress
        if newest?.testID == id && newest?.routeCode == p.routeCode {
            newest!.apply(p, keepingDetails: keepsDetails)
            guard closes else { return nil }
            var record = newest.take()!
            record.isComplete = true
            return record
        }
        // One hash lookup for a known test; the record is updated in place.
        if !open.isEmpty, let i = open.index(forKey: Key(testID: id, routeCode: p.routeCode)) {
            open.values[i].apply(p, keepingDetails: keepsDetails)
            guard closes else { return nil }
            var record = open.remove(at: i).value
            record.isComplete = true
            if open.isEmpty {
                order.removeAll(keepingCapacity: true)
            } else if order.count > 2 * open.count + 1024 {
                let open = self.open
                order.removeAll { open[$0] == nil }
            }
            return record
        }
        var record = TestRecord(testID: id, routeCode: p.routeCode, start: p.timestamp)
        record.apply(p, keepingDetails: keepsDetails)
        guard closes else {
            if let previous = newest.take() {
                let key = Key(testID: previous.testID, routeCode: previous.routeCode)
                order.append(key)
                open[key] = previous
            }
            newest = record
            return nil
        }
        record.isComplete = true
        return record
    }

    /// The records still open, newest first (testtools pops its dict from the
    /// end), marked incomplete.
    mutating func finish() -> [TestRecord] {
        var left: [TestRecord] = []
        if let n = newest.take() { left.append(n) }
        for key in order.reversed() {
            if let r = open.removeValue(forKey: key) { left.append(r) }
        }
        order.removeAll()
        return left
    }
}
