import Testing
import Subunit

/// Decodes a v1 stream fed in pieces of `chunk` bytes (or split once at
/// `splitAt`), draining after each piece as a reader does. Adjacent text
/// events are joined: where text is cut depends on how the input arrived.
func decodeV1(_ input: [UInt8], chunk: Int? = nil, splitAt: Int? = nil,
              options: V1Decoder.Options = .init()) -> [Event] {
    var d = V1Decoder(options: options, clock: { Timestamp(seconds: 7) })
    var events: [Event] = []
    func drain() {
        while let e = d.next() {
            if case .nonSubunit(let b) = e, case .nonSubunit(let a)? = events.last {
                events[events.count - 1] = .nonSubunit(a + b)
            } else {
                events.append(e)
            }
        }
    }
    var pieces: [ArraySlice<UInt8>] = []
    if let splitAt {
        pieces = [input[..<splitAt], input[splitAt...]]
    } else {
        let size = chunk ?? Swift.max(1, input.count)
        var i = 0
        while i < input.count { pieces.append(input[i..<Swift.min(input.count, i + size)]); i += size }
    }
    for p in pieces { d.feed(p); drain() }
    d.endOfInput()
    drain()
    return events
}

func decodeV1(_ text: String, chunk: Int? = nil) -> [Event] { decodeV1(Array(text.utf8), chunk: chunk) }

private let t0 = Timestamp(seconds: 1_704_164_645)  // 2024-01-02 03:04:05Z
private let time = "time: 2024-01-02 03:04:05.000000Z\n"

private func packets(_ events: [Event]) -> [Packet] {
    events.compactMap { if case .packet(let p) = $0 { p } else { nil } }
}

private func start(_ id: String, _ t: Timestamp = t0) -> Event { .packet(Packet(testID: id, status: .inProgress, timestamp: t)) }

private func end(_ id: String, _ s: TestStatus, tags: [String] = [], _ t: Timestamp = t0) -> Event {
    .packet(Packet(testID: id, status: s, tags: tags, timestamp: t))
}

private func file(_ id: String, _ name: String, _ content: String, mime: String, eof: Bool = true, _ t: Timestamp = t0) -> Event {
    .packet(Packet(testID: id, file: FileChunk(name: name, content: Array(content.utf8)), eof: eof, mimeType: mime, timestamp: t))
}

private let traceback = #"text/x-traceback; charset="utf8""#
private let lostMIME = #"text/x-traceback; charset="utf8"; language="python""#

@Suite struct V1DecoderTests {
    @Test(arguments: [
        ("success", TestStatus.success), ("successful", .success), ("failure", .fail), ("error", .fail),
        ("skip", .skip), ("xfail", .expectedFailure), ("uxsuccess", .unexpectedSuccess),
    ])
    func eachOutcomeEndsItsTest(_ word: String, _ status: TestStatus) {
        #expect(decodeV1(time + "test: a.b\n\(word): a.b\n") == [start("a.b"), end("a.b", status)])
    }

    @Test func testSpellingsAndColonsAsPythonReadsThem() {
        let input = time + "testing a\nsuccess a\ntest b\nsuccess::: b\n"
        #expect(decodeV1(input) == [start("a"), end("a", .success), start("b"), end("b", .success)])
    }

    @Test func simpleDetailsBecomeOneAttachmentNamedForTheOutcome() {
        let input = time + "test: f\nfailure: f [\nline 1\n ]quoted\n]\n"
            + "test: s\nskip: s [\nno device\n]\ntest: ok\nsuccess: ok [\nfine\n]\ntest: e\nerror: e [\n]\n"
        #expect(decodeV1(input) == [
            start("f"), file("f", "traceback", "line 1\n]quoted\n", mime: traceback), end("f", .fail),
            start("s"), file("s", "reason", "no device\n", mime: "text/plain"), end("s", .skip),
            start("ok"), file("ok", "message", "fine\n", mime: "text/plain"), end("ok", .success),
            start("e"), file("e", "traceback", "", mime: traceback), end("e", .fail),
        ])
    }

    /// Parts in order; a repeated name replaces the earlier part where it stood (python's dict).
    @Test func multipartDetailsKeepEachPart() {
        let input = time + "test: m\nxfail: m [ multipart\nContent-Type: text/plain;charset=utf8\nlog\n"
            + "3\r\nab\n4\r\n]\ncd0\r\nContent-Type: application/json\nresult.json\n2\r\n{}0\r\n"
            + "Content-Type: text/plain\nlog\n1\r\nx0\r\n]\n"
        #expect(decodeV1(input) == [
            start("m"), file("m", "log", "x", mime: "text/plain"), file("m", "result.json", "{}", mime: "application/json"),
            end("m", .expectedFailure),
        ])
    }

    @Test func multipartBodySpanningLinesIsKeptByteForByte() {
        let input = time + "test: m\nfailure: m [ multipart\nContent-Type: text/plain\nlog\nA\r\nab\n]\ntest:0\r\n]\n"
        #expect(decodeV1(input) == [start("m"), file("m", "log", "ab\n]\ntest:", mime: "text/plain"), end("m", .fail)])
    }

    @Test func tagsApplyToTheOpenTestOrToEveryLaterOne() {
        let input = "tags: run worker-0\n" + time + "test: a\ntags: mine -worker-0\nsuccess: a\n"
            + "tags: -run\ntest: b\nsuccess: b\n"
        #expect(decodeV1(input) == [start("a"), end("a", .success, tags: ["mine", "run"]),
                                    start("b"), end("b", .success, tags: ["worker-0"])])
    }

    @Test(arguments: [
        ("2024-01-02 03:04:05.000000Z", Timestamp(seconds: 1_704_164_645)),
        ("2024-01-02T03:04:05.1234567Z", Timestamp(seconds: 1_704_164_645, nanoseconds: 123_456_000)),
        ("2024-01-02T04:04:05+01:00", Timestamp(seconds: 1_704_164_645)),
        ("2024-01-02 02:34:05-0030", Timestamp(seconds: 1_704_164_645)),
        ("20240102T030405Z", Timestamp(seconds: 1_704_164_645)),
        ("2024-01-02 03:04:05,5", Timestamp(seconds: 1_704_164_645, nanoseconds: 500_000_000)),
        ("2024-01-02", Timestamp(seconds: 1_704_153_600)),
        ("2024", Timestamp(seconds: 1_704_067_200)),
        ("2024-1-2 03", Timestamp(seconds: 1_704_164_400)),
    ])
    func timeLinesSetTheTimestamp(_ text: String, _ expected: Timestamp) {
        #expect(decodeV1("time: \(text)\ntest: a\n") .first == start("a", expected))
    }

    @Test(arguments: ["2024-13-01", "2024-02-30 00:00:00Z", "202401", "1969-12-31 23:59:59Z", "yesterday", "2024-01-02 03:04:05+24:00"])
    func unreadableTimesAreCorruptLines(_ text: String) {
        let events = decodeV1("time: \(text)\ntest: a\nsuccess: a\n")
        guard case .corrupt(let c)? = events.first else { Issue.record("no corruption: \(events)"); return }
        #expect(c.message.hasPrefix("subunit v1: time"))
        #expect(c.offset == 0 && c.skipped == 7 + text.utf8.count)
        #expect(packets(events).map(\.status) == [.inProgress, .success], "decoding goes on")
    }

    @Test func progressIsReadAndDropped() {
        let events = decodeV1(time + "progress: 3\nprogress: +1\nprogress: push\nprogress: pop\ntest: a\nsuccess: a\nprogress: x\n")
        #expect(events.prefix(2) == [start("a"), end("a", .success)])
        guard case .corrupt(let c)? = events.last else { Issue.record("bad progress not reported"); return }
        #expect(c.message == "subunit v1: progress is not a number, push or pop")
    }

    /// Lines python passes to its stdout: text, here and in python's v2 output.
    @Test func otherLinesAreText() {
        let input = "build log\n" + time + "success: orphan\ntest: a\n output\ntest: nested\nsuccess: other\nsuccess:\n"
            + "success: a\n\nlast words"
        #expect(decodeV1(input) == [
            .nonSubunit(Array("build log\nsuccess: orphan\n".utf8)), start("a"),
            .nonSubunit(Array(" output\ntest: nested\nsuccess: other\nsuccess:\n".utf8)), end("a", .success),
            .nonSubunit(Array("\nlast words".utf8)),
        ])
    }

    /// The last line has no newline: python drops its last byte from the name, so it names no test.
    @Test func lastLineWithoutNewlineIsReadAsPythonReadsIt() {
        #expect(decodeV1(time + "test: ab\nsuccess: ab") == [
            start("ab"), .nonSubunit(Array("success: ab".utf8)),
            file("ab", "traceback", "testtools.testresult.real._StringException: lost connection during test 'ab'\n", mime: lostMIME),
            end("ab", .fail),
        ])
        #expect(decodeV1(time + "test: ab\nsuccess: abc") == [start("ab"), end("ab", .success)])
    }

    @Test(arguments: [
        ("test: cut\n", "test 'cut'"),
        ("test: cut\nfailure: cut [\nhalf a traceback\n", "failure report of test 'cut'"),
        ("test: cut\nerror: cut [\n", "error report of test 'cut'"),
        ("test: cut\nskip: cut [ multipart\nContent-Type: text/plain\nlog\n10\r\nhalf", "skip report of test 'cut'"),
        ("test: cut\nsuccess: cut [ multipart\nContent-Type: text/plain\nlog\n1", "success report of test 'cut'"),
    ])
    func truncatedStreamFailsTheOpenTestAsPythonDoes(_ body: String, _ during: String) {
        #expect(decodeV1(time + body) == [
            start("cut"),
            file("cut", "traceback", "testtools.testresult.real._StringException: lost connection during \(during)\n", mime: lostMIME),
            end("cut", .fail),
        ])
    }

    /// Where python raises and stops, the line is reported and decoding goes on.
    @Test(arguments: [
        (Array("test: ".utf8) + [0xFF, 0x0A], "test name is not UTF-8 without NUL"),
        (Array("tags: ".utf8) + [0xC0, 0x80, 0x0A], "tags are not UTF-8 without NUL"),
        // Found by fuzzing: a NUL passed on into a v2 packet that no encoder or decoder takes.
        (Array("test: a".utf8) + [0x00, 0x0A], "test name is not UTF-8 without NUL"),
        (Array("test: m\nfailure: m [ multipart\nContent-Type: a/b\nl".utf8) + [0x00, 0x0A], "multipart detail: name is not UTF-8 without NUL"),
        (Array("test: m\nfailure: m [ multipart\nnospace\n".utf8), "multipart detail: expected a Content-Type line"),
        (Array("test: m\nfailure: m [ multipart\nContent-Type: text\n".utf8), "multipart detail: invalid MIME type"),
        (Array("test: m\nfailure: m [ multipart\nContent-Type: a/b\nlog\n5\n".utf8), "multipart detail: bad chunk length line"),
        (Array("test: m\nfailure: m [ multipart\nContent-Type: a/b\nlog\n2\r\nab\n".utf8), "multipart detail: bad chunk length line"),
    ] as [([UInt8], String)])
    func linesPythonCannotReadAreCorrupt(_ bad: [UInt8], _ why: String) {
        let events = decodeV1(Array(time.utf8) + bad + Array("]\ntest: next\nsuccess: next\n".utf8))
        let corruptions = events.compactMap { if case .corrupt(let c) = $0 { c } else { nil } }
        #expect(corruptions.count == 1)
        #expect(corruptions.first?.message.hasPrefix("subunit v1: \(why)") == true, "\(corruptions)")
        #expect(packets(events).suffix(2).map(\.testID) == ["next", "next"], "decoding goes on after it")
    }

    /// Every split of a small stream gives the events of the whole.
    @Test(arguments: ["details", "multipart", "interleaved"])
    func anyChunkingDecodesTheSame(_ name: String) {
        let input: String = switch name {
        case "details": time + "tags: t\ntest: f\nfailure: f [\n ]q\nx\n]\ntest: s\nskip: s\ntime: 2024-01-02 03:04:06Z\n"
        case "multipart": time + "test: m\nerror: m [ multipart\nContent-Type: text/plain\nlog\n3\r\na\nb0\r\n]\n"
        default: "text\n" + time + "test: a\nout\ntest: b\nsuccess: a\ntest: cut\n"
        }
        let bytes = Array(input.utf8)
        let whole = decodeV1(bytes)
        #expect(whole.count >= 3)
        #expect(decodeV1(bytes, chunk: 1) == whole)
        #expect(decodeV1(bytes, chunk: 7) == whole)
        for k in 0...bytes.count {
            #expect(decodeV1(bytes, splitAt: k) == whole, "split at \(k)")
        }
    }

    /// A detail past the hold limit goes out in chunks as it arrives; nothing is lost.
    @Test func hugeDetailIsPassedOnInBoundedChunks() {
        let options = V1Decoder.Options(maxLineLength: 64, maxHeldDetail: 1000)
        let line = String(repeating: "x", count: 99) + "\n"
        let body = String(repeating: line, count: 50)
        var d = V1Decoder(options: options, clock: { Timestamp(seconds: 7) })
        d.feed(Array((time + "test: big\nfailure: big [\n" + body).utf8))
        var early: [Packet] = []
        while let e = d.next() { if case .packet(let p) = e { early.append(p) } }
        #expect(early.count > 1, "chunks pass on before the block ends")
        #expect(early.dropFirst().allSatisfy { $0.file!.content.count == 1000 && !$0.eof })
        d.feed(Array("]\n".utf8))
        d.endOfInput()
        var rest: [Packet] = []
        while let e = d.next() { if case .packet(let p) = e { rest.append(p) } }
        let chunks = (early + rest).filter { $0.file != nil }
        #expect(chunks.flatMap { $0.file!.content } == Array(body.utf8))
        #expect(chunks.allSatisfy { $0.file!.name == "traceback" && $0.mimeType == traceback })
        #expect(chunks.last?.eof == true)
        #expect(rest.last == Packet(testID: "big", status: .fail, timestamp: t0))
    }

    @Test func longLinesStayBounded() {
        let options = V1Decoder.Options(maxLineLength: 64)
        let long = String(repeating: "y", count: 500)
        let events = decodeV1(Array((time + "\(long)\ntest: \(long)\ntest: a\nsuccess: a\n").utf8), options: options)
        #expect(events.first == .nonSubunit(Array((long + "\n").utf8)), "text passes through whole")
        guard case .corrupt(let c) = events[1] else { Issue.record("long directive not reported"); return }
        #expect(c.message == "subunit v1: line longer than 64 bytes")
        #expect(Array(events.suffix(2)) == [start("a"), end("a", .success)])
    }

    @Test func noTimeLineUsesTheClock() {
        #expect(decodeV1("test: a\nsuccess: a\n") == [start("a", Timestamp(seconds: 7)), end("a", .success, Timestamp(seconds: 7))])
    }
}
