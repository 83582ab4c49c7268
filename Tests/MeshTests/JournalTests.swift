import Testing
@testable import Mesh

@Suite struct JournalTests {
    let ab = DirectedLink(from: "a", to: "b")
    var sample: [LinkResult] {
        [
            LinkResult(ab, transport: "rdma", bandwidthBitsPerSecond: 97.5e9, latencyNanoseconds: 2300, round: 0,
                       started: 1_767_225_600.25, duration: 12.5),
            LinkResult(ab.reversed, transport: "rdma", status: .failed, reason: "peer b lost", round: 0),
            LinkResult(ab, transport: "rdma", phase: .retest, bandwidthBitsPerSecond: 98e9),
        ]
    }

    @Test func linesRoundTrip() throws {
        let text = sample.map(ResultsJournal.line).joined()
        #expect(text.split(separator: "\n").count == 3)
        #expect(text.hasSuffix("}\n"))
        let contents = try ResultsJournal.parse(Array(text.utf8))
        #expect(contents.results == sample)
        #expect(contents.validLength == text.utf8.count)
        #expect(!contents.droppedPartialLine)
    }

    @Test func aLineNamesItsSchemaAndUnits() {
        let line = ResultsJournal.line(sample[0])
        #expect(line.hasPrefix("{\"bandwidth_bps\":97500000000,"))
        #expect(line.contains("\"schema\":\"ibkit.mesh.result/1\""))
        #expect(line.contains("\"latency_ns\":2300"))
        #expect(!line.dropLast().contains("\n"))
    }

    /// As after a kill in the middle of a write: every cut of the last line is dropped.
    @Test func ignoresATruncatedLastLine() throws {
        let whole = sample.map(ResultsJournal.line).joined()
        let firstTwo = sample.prefix(2).map(ResultsJournal.line).joined().utf8.count
        let bytes = Array(whole.utf8)
        for cut in firstTwo..<(bytes.count - 1) {
            let contents = try ResultsJournal.parse(bytes[..<cut])
            #expect(contents.results == Array(sample.prefix(2)))
            #expect(contents.validLength == firstTwo)
            #expect(contents.droppedPartialLine == (cut > firstTwo))
        }
    }

    @Test func refusesDamageBeforeTheEnd() {
        let good = ResultsJournal.line(sample[0])
        #expect(throws: JournalError.corruptLine(2)) {
            try ResultsJournal.parse(Array((good + "{\"from\":\"a\"\n" + good).utf8))
        }
        let future = good.replacingOccurrencesOfSchema(with: "ibkit.mesh.result/2")
        #expect(throws: JournalError.unknownSchema("ibkit.mesh.result/2", line: 1)) {
            try ResultsJournal.parse(Array(future.utf8))
        }
    }

    @Test func skipsBlankLinesAndReadsAnEmptyFile() throws {
        #expect(try ResultsJournal.parse([UInt8]()).results.isEmpty)
        let text = "\n" + ResultsJournal.line(sample[0]) + "  \n"
        #expect(try ResultsJournal.parse(Array(text.utf8)).results == [sample[0]])
    }

    @Test func resumeSkipsOnlyMeshLinksThatPassed() throws {
        #expect(ResultsJournal.completedLinks(sample) == [ab])
        let schedule = try MeshSchedule.roundRobin(hosts: ["a", "b", "c"], seed: 4)
        let resumed = schedule.skipping(ResultsJournal.completedLinks(sample))
        #expect(resumed.links.count == 5)
        #expect(!resumed.links.contains(ab))
        #expect(resumed.links.contains(ab.reversed))
    }
}

extension String {
    func replacingOccurrencesOfSchema(with schema: String) -> String {
        let marker = "\"schema\":\"\(LinkResult.schemaName)\""
        guard let range = range(of: marker) else { return self }
        return replacingCharacters(in: range, with: "\"schema\":\"\(schema)\"")
    }
}
