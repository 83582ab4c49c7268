/// Keeps everything a stream said: one record per test run (in the order
/// they finished, unfinished ones last), stream-level output and
/// attachments, and every corruption.
public struct Collector: StreamResult, Sendable {
    /// Closed records in completion order; after `stopTestRun`, unfinished ones follow.
    public private(set) var records: [TestRecord] = []
    /// Stream-level files (no test id), per name and route code, chunks concatenated;
    /// non-subunit text is the `stdout` one.
    public private(set) var streamAttachments: [StreamAttachment] = []
    public private(set) var corruptions: [Corruption] = []
    /// Called with each record as it closes (and with unfinished ones at `stopTestRun`).
    public var onRecord: (@Sendable (TestRecord) -> Void)?
    private var tracker = RecordTracker()

    public init(onRecord: (@Sendable (TestRecord) -> Void)? = nil) {
        self.onRecord = onRecord
    }

    /// A file sent outside any test.
    public struct StreamAttachment: Sendable, Hashable {
        public var routeCode: String?
        public var attachment: Attachment
    }

    /// The tests that ran: records other than `exists` listings.
    public var tests: [TestRecord] { records.filter { $0.status != .exists } }

    public mutating func status(_ packet: Packet) {
        if packet.testID == nil {
            guard let file = packet.file, !file.content.isEmpty else { return }
            if let k = streamAttachments.firstIndex(where: {
                $0.attachment.name == file.name && $0.routeCode == packet.routeCode
            }) {
                streamAttachments[k].attachment.content += file.content
            } else {
                streamAttachments.append(StreamAttachment(
                    routeCode: packet.routeCode,
                    attachment: Attachment(name: file.name, mimeType: packet.mimeType, content: file.content)))
            }
            return
        }
        if let done = tracker.apply(packet) { add(done) }
    }

    /// Whether `records` holds any record.
    public var hasRecords: Bool { !records.isEmpty }

    /// The closed records so far, removed from `records`: a reader that handles
    /// each test as it closes keeps memory flat however long the stream.
    public mutating func takeRecords() -> [TestRecord] {
        var taken: [TestRecord] = []
        swap(&taken, &records)
        return taken
    }

    /// `takeRecords`, into an array the caller keeps: `taken` is emptied and the two
    /// swap storage, so that a reader taking each test as it closes allocates none.
    public mutating func takeRecords(into taken: inout [TestRecord]) {
        taken.removeAll(keepingCapacity: true)
        swap(&taken, &records)
    }

    public mutating func corrupt(_ corruption: Corruption) {
        corruptions.append(corruption)
        for p in corruption.packets { status(p) }
    }

    public mutating func stopTestRun() {
        for r in tracker.finish() { add(r) }
    }

    private mutating func add(_ r: TestRecord) {
        records.append(r)
        onRecord?(r)
    }
}

/// Counts outcomes the way the tools do, keeping no more of a test than its status.
public struct RunSummary: StreamResult, Sendable {
    /// Tests that finished or were left unfinished (`exists` listings are not tests).
    public private(set) var total = 0
    public private(set) var succeeded = 0
    public private(set) var failed = 0
    public private(set) var skipped = 0
    public private(set) var expectedFailures = 0
    public private(set) var unexpectedSuccesses = 0
    /// Tests the stream left without a final status (crashed, cut short).
    public private(set) var incomplete = 0
    /// Corrupt packets; each also counts as a failed `subunit.parser` test, as in the tools.
    public private(set) var parseErrors = 0
    public private(set) var tags: Set<String> = []
    private var tracker: RecordTracker
    private var lastTags: [String] = []

    public init() {
        tracker = RecordTracker()
        tracker.keepsDetails = false
    }

    /// True when the tools would call the run a success: nothing failed,
    /// nothing unexpectedly passed, nothing left unfinished, no parse error.
    public var allPassed: Bool { failed == 0 && unexpectedSuccesses == 0 && incomplete == 0 && parseErrors == 0 }

    public mutating func status(_ packet: Packet) {
        // Consecutive packets mostly repeat their tags: hash them only when they change.
        if !packet.tags.isEmpty && packet.tags != lastTags {
            tags.formUnion(packet.tags)
            lastTags = packet.tags
        }
        if let r = tracker.apply(packet) { count(r) }
    }

    public mutating func corrupt(_ corruption: Corruption) {
        parseErrors += 1
        for p in corruption.packets { status(p) }
    }

    public mutating func stopTestRun() {
        for r in tracker.finish() { count(r) }
    }

    private mutating func count(_ r: TestRecord) {
        guard r.status != .exists else { return }
        total += 1
        guard r.isComplete else { incomplete += 1; return }
        switch r.status {
        case .success: succeeded += 1
        case .fail: failed += 1
        case .skip: skipped += 1
        case .expectedFailure: expectedFailures += 1
        case .unexpectedSuccess: unexpectedSuccesses += 1
        case .undefined, .exists, .inProgress: break
        }
    }
}
