import Testing
import Subunit

/// Decodes a whole vector into a sink, framing the run.
func run<S: StreamResult>(_ name: String, into sink: S) throws -> S {
    var s = sink
    s.startTestRun()
    for e in decodeEvents(try Vectors.bytes(name), chunk: 4096) { s.handle(e) }
    s.stopTestRun()
    return s
}

@Suite struct SinkTests {
    /// Same verdicts as subunit-stats and subunit2junitxml (spec-tooling 3.1):
    /// finished tests in completion order, unfinished ones flushed at the end.
    @Test func collectorFollowsTesttoolsOrderAndStatus() throws {
        let c = try run("all_statuses", into: Collector())
        #expect(c.tests.map(\.testID) == [
            "status.3.success", "status.4.uxsuccess", "status.5.skip", "status.6.fail", "status.7.xfail",
            "status.2.inprogress", "status.0.undefined",
        ])
        #expect(c.tests.map(\.isComplete) == [true, true, true, true, true, false, false])
        #expect(c.tests.filter(\.failed).map(\.testID) == [
            "status.4.uxsuccess", "status.6.fail", "status.2.inprogress", "status.0.undefined",
        ])
        #expect(c.records.count == 8, "the exists listing is a record but not a test")
    }

    @Test func summaryCountsLikeSubunitStats() throws {
        let s = try run("all_statuses", into: RunSummary())
        #expect(s.total == 7)
        #expect((s.succeeded, s.failed, s.skipped, s.expectedFailures, s.unexpectedSuccesses, s.incomplete) == (1, 1, 1, 1, 1, 2))
        #expect(!s.allPassed)
        let ok = try run("benchmark_run", into: RunSummary())
        #expect(ok.total == 1 && ok.succeeded == 1 && ok.allPassed)
        #expect(ok.tags == ["ibbench", "tcp"])
    }

    @Test func collectorTimesAndAttachments() throws {
        let c = try run("benchmark_run", into: Collector())
        let t = try #require(c.tests.first)
        #expect(c.tests.count == 1)
        #expect(t.testID == "ibbench.tcp.stream" && t.status == .success)
        #expect(t.duration == 10.250001, "first to last timestamp, as stestr shows it")
        #expect(t.tags == ["ibbench", "tcp"])
        let results = try #require(t.attachment(named: "results"))
        #expect(results.mimeType == "application/json")
        #expect(String(decoding: results.content, as: UTF8.self).hasPrefix("{"))
        #expect(c.streamAttachments.map(\.attachment.name) == ["stdout"])
    }

    @Test func chunksJoinAndFirstMimeTypeWins() throws {
        let c = try run("file_chunks_eof", into: Collector())
        let log = try #require(c.tests.first?.attachment(named: "log"))
        #expect(log.mimeType == "text/plain;charset=utf8")
        #expect(!log.content.isEmpty)
    }

    @Test func sameIDOnTwoRoutesIsTwoTests() throws {
        let c = try run("route_code", into: Collector())
        #expect(c.tests.map { "\($0.testID)@\($0.routeCode ?? "-"):\($0.status)" }
            == ["pkg.test_x@0:success", "pkg.test_x@1/3:fail"])
    }

    @Test func corruptionBecomesFailingParserTest() throws {
        let c = try run("bad_crc_then_good", into: Collector())
        #expect(c.corruptions.count == 1)
        #expect(c.tests.map(\.testID) == ["subunit.parser", "pkg.test_after_corruption"])
        #expect(c.tests[0].status == .fail)
        #expect(c.tests[0].attachment(named: "Parser Error")?.content == Array(c.corruptions[0].message.utf8))
    }

    /// An attachment sent after the final status opens a second, unfinished record.
    @Test func attachmentAfterFinalStatusIsAPhantomFailure() {
        var c = Collector()
        c.status(Packet(testID: "t", status: .success))
        c.status(Packet(testID: "t", file: FileChunk(name: "log", content: [1]), eof: true))
        c.stopTestRun()
        #expect(c.tests.map(\.isComplete) == [true, false])
    }

    /// Interleaved tests (parallel workers): each record collects its own
    /// packets, closes on its final status, and the unfinished ones settle
    /// newest first, as in testtools.
    @Test func interleavedTestsKeepTheirRecords() {
        var c = Collector()
        c.status(Packet(testID: "a", status: .inProgress))
        c.status(Packet(testID: "b", status: .inProgress))
        c.status(Packet(testID: "c", status: .inProgress, routeCode: "1"))
        c.status(Packet(testID: "b", status: .success))
        c.status(Packet(testID: "a", file: FileChunk(name: "log", content: [1]), eof: true))
        c.status(Packet(testID: "c", status: .inProgress))  // same id, another route: another test
        c.status(Packet(testID: "d", status: .inProgress))
        c.status(Packet(testID: "c", status: .fail, routeCode: "1"))
        c.status(Packet(testID: "b", status: .inProgress))  // b again: a new record
        c.stopTestRun()
        #expect(c.records.map { "\($0.testID)@\($0.routeCode ?? "-"):\($0.status):\($0.isComplete)" } == [
            "b@-:success:true", "c@1:fail:true",
            "b@-:inProgress:false", "d@-:inProgress:false", "c@-:inProgress:false", "a@-:inProgress:false",
        ])
        #expect(c.records.last?.attachment(named: "log")?.content == [1])
    }

    @Test func multiplexerPrefixesRouteCodes() {
        let mux = RouteMultiplexer(Collector())
        var a = mux.input(label: "0")
        var b = mux.input(label: "1")
        a.status(Packet(testID: "t", status: .success))
        b.status(Packet(testID: "t", status: .fail, routeCode: "3"))
        b.nonSubunit(Array("hi".utf8))
        b.corrupt(Corruption(message: "m", packetData: [0xB3], offset: 0, skipped: 1))
        let c = mux.withDownstream { $0.stopTestRun(); return $0 }
        #expect(c.tests.map { "\($0.testID)@\($0.routeCode ?? "-")" } == ["t@0", "t@1/3", "subunit.parser@1"])
        #expect(c.corruptions.map(\.routeCode) == ["1"])
        #expect(c.streamAttachments.map(\.routeCode) == ["1"])
    }

    @Test func teeFeedsBoth() throws {
        let t = try run("all_statuses", into: Tee(Collector(), RunSummary()))
        #expect(t.a.tests.count == t.b.total)
    }

    @Test func encodingSinkRoundTrips() throws {
        let e = try run("interleaved_text", into: EncodingSink())
        let events = decodeEvents(e.bytes, chunk: 4096)
        // Text came back as stdout file packets, the packets unchanged.
        let original = decodeEvents(try Vectors.bytes("interleaved_text"), chunk: 4096)
        #expect(PyEvent.mergingText(events.flatMap(PyEvent.from)) == PyEvent.mergingText(original.flatMap(PyEvent.from)))
    }
}
