/// Incremental subunit v1 decoder: reads the line protocol of older test
/// runners and returns the subunit v2 events python-subunit's `subunit-1to2`
/// writes for it, so a v1 run reads exactly like the same run in v2.
///
/// Feed bytes in chunks of any size; `next()` returns nil when it needs more.
/// After the last byte call `finish()` until it returns nil: a test still open
/// then is reported failed with python's "lost connection" traceback.
///
/// What it does with each construct, as python-subunit 1.4.6 does:
/// - `test:`/`testing:`/`test` starts a test: an `inprogress` packet.
/// - `success:`/`successful:`, `failure:`, `error:`, `skip:`, `xfail:`,
///   `uxsuccess:` naming the open test end it (`error` and `failure` both
///   become `fail`), optionally with a ` [` detail block up to a `]` line
///   (a `traceback`, or for skip a `reason` and for success a `message`
///   attachment) or a ` [ multipart` block of MIME-typed, chunk-encoded parts.
///   Attachments come first, then the status with the test's tags.
/// - `tags:` adds and (`-tag`) removes tags: for the open test only, or for
///   every later test when none is open.
/// - `time:` sets the timestamp of what follows; until the first one the
///   clock gives it, as python uses the current time.
/// - `progress:` is read and dropped, as python's v1-to-v2 path drops it.
/// - Any other line, and a directive that does not fit the state (an outcome
///   for another test, a `test:` inside a test), is passed on as text.
///
/// Where python raises and stops (a name or tag that is not UTF-8, an
/// unreadable `time:` or `progress:`, a malformed multipart block), and where a
/// string holds a NUL, which no v2 packet can carry, the line is reported as
/// `.corrupt` and decoding goes on; a malformed multipart block
/// is skipped to its closing `]`, keeping the parts read whole before it.
///
/// Memory is bounded: a directive line longer than `maxLineLength` is
/// reported corrupt and skipped; a text line that long is passed on in pieces.
/// A test's details are held up to `maxHeldDetail` bytes (python holds them
/// all); past that they are passed on as attachment chunks as they arrive, so
/// a test cut off inside a huge detail keeps what was already passed on.
public struct V1Decoder: Sendable {
    public struct Options: Sendable, Equatable {
        /// Longest line held whole, newline included (test ids, tags, times).
        public var maxLineLength: Int
        /// Detail bytes of one test held before they are passed on as chunks.
        public var maxHeldDetail: Int
        /// Largest piece of text returned at once.
        public var maxTextChunk: Int

        public init(maxLineLength: Int = 65_536, maxHeldDetail: Int = 1 << 20, maxTextChunk: Int = 1 << 20) {
            precondition(maxLineLength > 2 && maxHeldDetail > 0 && maxTextChunk > 0, "v1 decoder limits must be positive")
            // A held detail goes out as one packet: it must stay under the packet size limit.
            precondition(maxHeldDetail <= Limits.maxPacketSize / 2, "held detail must fit in a packet")
            self.maxLineLength = maxLineLength
            self.maxHeldDetail = maxHeldDetail
            self.maxTextChunk = maxTextChunk
        }
    }

    public let options: Options
    /// The timestamp of events before the first `time:` line.
    public var clock: @Sendable () -> Timestamp

    public init(options: Options = Options(), clock: @escaping @Sendable () -> Timestamp = V1Decoder.wallClock) {
        self.options = options
        self.clock = clock
    }

    /// The current time at microseconds, the resolution python's timestamps have.
    public static let wallClock: @Sendable () -> Timestamp = {
        let t = Timestamp.now()
        return Timestamp(seconds: t.seconds, nanoseconds: t.nanoseconds / 1000 * 1000)
    }

    // MARK: State

    /// How a v1 outcome maps to v2, and what python calls its detail.
    enum Outcome: Sendable {
        case success, failure, error, skip, xfail, uxsuccess

        var status: TestStatus {
            switch self {
            case .success: .success
            case .failure, .error: .fail
            case .skip: .skip
            case .xfail: .expectedFailure
            case .uxsuccess: .unexpectedSuccess
            }
        }

        /// The word in python's "lost connection during … report of test" message.
        var label: String {
            switch self {
            case .success: "success"
            case .failure: "failure"
            case .error: "error"
            case .skip: "skip"
            case .xfail: "xfail"
            case .uxsuccess: "uxsuccess"
            }
        }

        /// Name and MIME type of a ` [` block's content (python's `SimpleDetailsParser`).
        var simpleDetail: (name: String, mime: String) {
            switch self {
            case .skip: ("reason", "text/plain")
            case .success: ("message", "text/plain")
            default: ("traceback", #"text/x-traceback; charset="utf8""#)
            }
        }
    }

    enum Multipart: Sendable {
        /// A `Content-Type: a/b` line or the closing `]`.
        case contentType
        case name(mime: String)
        case length
        /// Body bytes still to come in the current chunk.
        case body(remaining: Int)
    }

    enum Mode: Sendable {
        case outside
        case inTest
        case simple
        case multipart(Multipart)
        /// A malformed multipart block, skipped to its `]`.
        case skipBlock
    }

    /// What to do with the rest of a line that outgrew `maxLineLength`.
    enum Overflow: Sendable {
        case none, text, detail, skip
    }

    struct Part: Sendable {
        var name: String
        var mime: String
        var content: [UInt8] = []
        /// Some of it was already passed on; the rest follows in later chunks.
        var started = false
    }

    private var mode = Mode.outside
    private var overflow = Overflow.none
    private var line: [UInt8] = []
    /// Stream offset of the first byte of `line`.
    private var lineOffset = 0
    private var offset = 0
    private var testID = ""
    private var outcome = Outcome.success
    private var now: Timestamp?
    private var runTags: Set<String> = []
    private var testTags: Set<String> = []
    /// Parts of the open detail block not yet passed on, in python's dict order.
    private var parts: [Part] = []
    /// The part being read (multipart) or the whole ` [` block.
    private var current: Part?
    private var heldBytes = 0
    /// The timestamp of a detail block's packets, fixed once its first packet goes out.
    private var blockTime: Timestamp?
    private var events: [Event] = []
    private var eventHead = 0
    private var text: [UInt8] = []
    private var ended = false

    /// Bytes fed so far.
    public var decodedByteCount: Int { offset }

    // MARK: Input

    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ feed(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { feed($0) }
        }
    }

    public mutating func feed(_ buffer: UnsafeRawBufferPointer) {
        precondition(!ended, "feed after finish")
        var i = 0
        let n = buffer.count
        while i < n {
            if case .multipart(.body(let remaining)) = mode {
                let k = Swift.min(remaining, n - i)
                appendDetail(UnsafeRawBufferPointer(rebasing: buffer[i..<(i + k)]))
                i += k
                offset += k
                mode = .multipart(remaining == k ? .length : .body(remaining: remaining - k))
                if remaining == k { lineOffset = offset }
                continue
            }
            let newline = buffer[i...].firstIndex(of: 0x0A)
            let end = newline.map { $0 + 1 } ?? n
            if overflow != .none {
                let piece = UnsafeRawBufferPointer(rebasing: buffer[i..<end])
                switch overflow {
                case .text: appendText(piece)
                case .detail: appendDetail(piece)
                case .skip, .none: break
                }
                offset += end - i
                i = end
                if newline != nil {
                    overflow = .none
                    lineOffset = offset
                }
                continue
            }
            let room = options.maxLineLength - line.count
            if end - i > room {
                line.append(contentsOf: buffer[i..<(i + room)])
                offset += room
                i += room
                lineTooLong()
                continue
            }
            line.append(contentsOf: buffer[i..<end])
            offset += end - i
            i = end
            if newline != nil { completeLine() }
        }
    }

    /// The next event, or nil when more input is needed (or, after
    /// `finish()`, when everything has been returned).
    public mutating func next() -> Event? {
        if eventHead < events.count {
            let e = events[eventHead]
            eventHead += 1
            if eventHead == events.count {
                events.removeAll(keepingCapacity: true)
                eventHead = 0
            }
            return e
        }
        if !text.isEmpty {
            defer { text.removeAll(keepingCapacity: true) }
            return .nonSubunit(text)
        }
        return nil
    }

    /// Marks the end of input and returns the next event; call until nil.
    public mutating func finish() -> Event? {
        endOfInput()
        return next()
    }

    /// Marks the end of input: a last line without newline is read as python
    /// reads it, then an open test is closed as python closes it.
    public mutating func endOfInput() {
        guard !ended else { return }
        ended = true
        if overflow == .none && !line.isEmpty {
            if case .multipart(.length) = mode {
                // python's chunk decoder waits for the rest of a length line; none comes.
            } else {
                completeLine()
            }
        }
        overflow = .none
        lostConnection()
    }

    // MARK: Lines

    private mutating func completeLine() {
        let l = line
        line.removeAll(keepingCapacity: true)
        handle(l)
        lineOffset = offset
    }

    private mutating func handle(_ l: [UInt8]) {
        switch mode {
        case .outside, .inTest:
            directive(l)
        case .simple:
            if isEndMarker(l) { endDetails(); return }
            // A detail line starting " ]" is a quoted "]": the space goes.
            let quoted = l.count >= 2 && l[0] == 0x20 && l[1] == UInt8(ascii: "]")
            l.withUnsafeBytes { appendDetail(UnsafeRawBufferPointer(rebasing: $0[(quoted ? 1 : 0)...])) }
        case .multipart(let state):
            multipartLine(l, state)
        case .skipBlock:
            if isEndMarker(l) { endDetails() }
        }
    }

    private func isEndMarker(_ l: [UInt8]) -> Bool { l.count == 2 && l[0] == UInt8(ascii: "]") && l[1] == 0x0A }

    /// python's `line[offset:-1]`: the argument without the line's last byte
    /// (its newline, or a real character on a last line that has none).
    private func argument(_ l: [UInt8], _ offset: Int) -> ArraySlice<UInt8> {
        offset < l.count - 1 ? l[offset..<(l.count - 1)] : []
    }

    private mutating func directive(_ l: [UInt8]) {
        guard let (command, at) = V1Line.directive(l) else { return appendText(l) }
        let inTest = if case .inTest = mode { true } else { false }
        switch command {
        case .test:
            guard !inTest else { return appendText(l) }
            guard let name = V1Line.text(argument(l, at)) else { return corrupt(l, "test name is not UTF-8 without NUL") }
            startTest(name)
        case .success: outcomeLine(l, at, .success, inTest)
        case .failure: outcomeLine(l, at, .failure, inTest)
        case .error: outcomeLine(l, at, .error, inTest)
        case .skip: outcomeLine(l, at, .skip, inTest)
        case .xfail: outcomeLine(l, at, .xfail, inTest)
        case .uxsuccess: outcomeLine(l, at, .uxsuccess, inTest)
        case .progress:
            if !V1Line.isValidProgress(l[at...]) { corrupt(l, "progress is not a number, push or pop") }
        case .tags:
            guard let s = V1Line.text(l[at...]) else { return corrupt(l, "tags are not UTF-8 without NUL") }
            var gone: Set<String> = []
            var new: Set<String> = []
            for w in V1Line.words(s) {
                if w.hasPrefix("-") { gone.insert(String(w.dropFirst())) } else { new.insert(w) }
            }
            if inTest {
                testTags.formUnion(new)
                testTags.subtract(gone)
            } else {
                runTags.formUnion(new)
                runTags.subtract(gone)
            }
        case .time:
            guard let t = V1Time.parse(argument(l, at)) else {
                return corrupt(l, "time is not an ISO 8601 date subunit v2 can carry")
            }
            now = t
        }
    }

    private mutating func outcomeLine(_ l: [UInt8], _ at: Int, _ o: Outcome, _ inTest: Bool) {
        guard inTest else { return appendText(l) }
        guard let name = V1Line.text(argument(l, at)) else { return corrupt(l, "test name is not UTF-8 without NUL") }
        outcome = o
        if name == testID {
            finishTest(with: [])
        } else if name == testID + " [" {
            mode = .simple
            let d = o.simpleDetail
            current = Part(name: d.name, mime: d.mime)
        } else if name == testID + " [ multipart" {
            mode = .multipart(.contentType)
        } else {
            appendText(l)
        }
    }

    private mutating func multipartLine(_ l: [UInt8], _ state: Multipart) {
        switch state {
        case .contentType:
            if isEndMarker(l) { return endDetails() }
            guard let s = V1Line.text(l.dropLast()), let space = s.firstIndex(of: " ") else {
                return malformed(l, "multipart detail: expected a Content-Type line")
            }
            let value = s[s.index(after: space)...]
            guard value.split(separator: "/", omittingEmptySubsequences: false).count == 2 else {
                return malformed(l, "multipart detail: invalid MIME type")
            }
            mode = .multipart(.name(mime: String(value)))
        case .name(let mime):
            guard let name = V1Line.text(l.dropLast()) else { return malformed(l, "multipart detail: name is not UTF-8 without NUL") }
            current = Part(name: name, mime: mime)
            mode = .multipart(.length)
        case .length:
            guard let n = V1Line.chunkLength(l) else { return malformed(l, "multipart detail: bad chunk length line") }
            if n == 0 {
                partDone()
                mode = .multipart(.contentType)
            } else {
                mode = .multipart(.body(remaining: n))
            }
        case .body:
            preconditionFailure("body bytes are not read as lines")
        }
    }

    private mutating func lineTooLong() {
        switch mode {
        case .outside, .inTest:
            // An outcome that long cannot name the open test (its id fit in a line); so it is text.
            var isDirective = false
            switch V1Line.directive(line)?.0 {
            case .test?: if case .outside = mode { isDirective = true }
            case .tags?, .time?, .progress?: isDirective = true
            default: break
            }
            if isDirective {
                corrupt(line, "line longer than \(options.maxLineLength) bytes", skipped: line.count)
                overflow = .skip
            } else {
                appendText(line)
                overflow = .text
            }
        case .simple:
            let quoted = line.count >= 2 && line[0] == 0x20 && line[1] == UInt8(ascii: "]")
            line.withUnsafeBytes { appendDetail(UnsafeRawBufferPointer(rebasing: $0[(quoted ? 1 : 0)...])) }
            overflow = .detail
        case .multipart:
            malformed(line, "multipart detail: line longer than \(options.maxLineLength) bytes")
            overflow = .skip
        case .skipBlock:
            overflow = .skip
        }
        line.removeAll(keepingCapacity: true)
    }

    // MARK: Tests and details

    private mutating func startTest(_ name: String) {
        testID = name
        testTags = runTags
        mode = .inTest
        emit(.packet(Packet(testID: name, status: .inProgress, timestamp: now ?? clock())))
    }

    private mutating func appendDetail(_ bytes: UnsafeRawBufferPointer) {
        guard current != nil else { return }
        var rest = bytes[...]
        while !rest.isEmpty {
            // Passed on only when more comes: a detail of exactly the limit still travels whole.
            if heldBytes >= options.maxHeldDetail { passOnHeld() }
            let k = Swift.min(rest.count, options.maxHeldDetail - heldBytes)
            current!.content.append(contentsOf: rest.prefix(k))
            heldBytes += k
            rest = rest.dropFirst(k)
        }
    }

    /// A multipart part read to its end; a repeated name replaces the earlier
    /// part in its place, as python's details dict does.
    private mutating func partDone() {
        guard let p = current else { return }
        current = nil
        if !p.started, let k = parts.firstIndex(where: { $0.name == p.name && !$0.started }) {
            heldBytes -= parts[k].content.count
            parts[k] = p
        } else {
            parts.append(p)
        }
    }

    /// Passes on everything held: whole parts, and what there is of the current one.
    private mutating func passOnHeld() {
        let t = blockTimestamp()
        for p in parts { emitPart(p, eof: true, t) }
        parts.removeAll()
        if current != nil {
            emitPart(current!, eof: false, t)
            current!.content.removeAll(keepingCapacity: true)
            current!.started = true
        }
        heldBytes = 0
    }

    private mutating func emitPart(_ p: Part, eof: Bool, _ t: Timestamp) {
        emit(.packet(Packet(testID: testID, file: FileChunk(name: p.name, content: p.content), eof: eof,
                            mimeType: p.mime, timestamp: t)))
    }

    private mutating func blockTimestamp() -> Timestamp {
        if let t = blockTime { return t }
        let t = now ?? clock()
        blockTime = t
        return t
    }

    private mutating func endDetails() {
        if case .simple = mode { partDone() }
        current = nil  // a multipart part cut short by a malformed line is dropped
        let t = blockTimestamp()
        let held = parts
        parts.removeAll()
        heldBytes = 0
        finishTest(with: held, at: t)
    }

    /// The attachments, then the final status carrying the test's tags.
    private mutating func finishTest(with details: [Part], at time: Timestamp? = nil) {
        let t = time ?? now ?? clock()
        for p in details { emitPart(p, eof: true, t) }
        emit(.packet(Packet(testID: testID, status: outcome.status, tags: testTags.sorted(), timestamp: t)))
        mode = .outside
        testTags = []
        blockTime = nil
    }

    /// End of input with a test open: python reports it failed with this traceback,
    /// dropping details not yet complete.
    private mutating func lostConnection() {
        let during: String
        switch mode {
        case .outside: return
        case .inTest: during = ""
        case .simple, .multipart, .skipBlock: during = "\(outcome.label) report of "
        }
        let message = "testtools.testresult.real._StringException: lost connection during \(during)test '\(testID)'\n"
        let t = blockTime ?? now ?? clock()
        parts.removeAll()
        current = nil
        heldBytes = 0
        outcome = .error
        finishTest(with: [Part(name: "traceback", mime: Self.lostConnectionMIME, content: Array(message.utf8))], at: t)
    }

    static let lostConnectionMIME = #"text/x-traceback; charset="utf8"; language="python""#

    // MARK: Output

    private mutating func emit(_ e: Event) {
        if !text.isEmpty {
            events.append(.nonSubunit(text))
            text.removeAll(keepingCapacity: true)
        }
        events.append(e)
    }

    private mutating func appendText(_ bytes: some Collection<UInt8>) {
        text.append(contentsOf: bytes)
        if text.count >= options.maxTextChunk {
            events.append(.nonSubunit(text))
            text.removeAll(keepingCapacity: true)
        }
    }

    private mutating func corrupt(_ l: [UInt8], _ why: String, skipped: Int? = nil) {
        let message = "subunit v1: \(why)"
        emit(.corrupt(Corruption(message: message, packetData: Array(l.prefix(256)), offset: lineOffset,
                                 skipped: skipped ?? l.count)))
    }

    /// A multipart block python cannot read: reported, then skipped to its `]`.
    private mutating func malformed(_ l: [UInt8], _ why: String) {
        corrupt(l, why + "; rest of the block skipped")
        mode = .skipBlock
    }
}
