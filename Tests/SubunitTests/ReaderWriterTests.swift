import Foundation
import SystemPackage
import Testing
import Subunit

/// A pipe whose ends still open close when the test is done. An end is closed
/// early only through `closeRead()`/`closeWrite()`, never twice: tests run in
/// parallel, and a second close would hit whatever descriptor another test
/// got under the same number.
final class TestPipe {
    let read: FileDescriptor
    let write: FileDescriptor
    private var readOpen = true, writeOpen = true
    init() throws {
        (read, write) = try FileDescriptor.pipe()
    }
    func closeRead() throws { readOpen = false; try read.close() }
    func closeWrite() throws { writeOpen = false; try write.close() }
    deinit {
        if readOpen { try? read.close() }
        if writeOpen { try? write.close() }
    }
}

@Suite struct ReaderWriterTests {
    /// Packets written by PacketWriter through a pipe come back from StreamReader
    /// while the writer is still writing.
    @Test func writerToReaderThroughPipe() throws {
        let pipe = try TestPipe()
        let writeEnd = try pipe.write.duplicate()
        let packets = (0..<500).map { i in
            Packet(testID: "t\(i)", status: i % 7 == 0 ? .fail : .success, tags: ["worker-\(i % 2)"],
                   file: i % 3 == 0 ? FileChunk(name: "log", content: Array(repeating: UInt8(i & 0xFF), count: i * 13)) : nil,
                   eof: i % 3 == 0, timestamp: Timestamp(seconds: 1_700_000_000 + UInt32(i), nanoseconds: UInt32(i)))
        }
        let writer = Thread {
            var w = PacketWriter(fileDescriptor: writeEnd)
            for p in packets { try! w.write(p) }
            try! writeEnd.close()
        }
        writer.start()
        try pipe.closeWrite()
        var sink = EventList()
        let n = try StreamReader(idleTimeout: .seconds(10)).read(pipe.read, into: &sink)
        #expect(sink.packets == packets)
        #expect(n == packets.reduce(0) { $0 + (try! PacketEncoder().encode($1)).count })
    }

    @Test func idleTimeoutEndsAWaitOnASilentWriter() throws {
        let pipe = try TestPipe()
        var sink = EventList()
        let start = ContinuousClock.now
        #expect(throws: StreamReadError.idle(.milliseconds(200))) {
            try StreamReader(idleTimeout: .milliseconds(200)).read(pipe.read, into: &sink)
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func writeToClosedPipeIsAnError() throws {
        let pipe = try TestPipe()
        try pipe.closeRead()
        signal(SIGPIPE, SIG_IGN)
        var w = PacketWriter(fileDescriptor: pipe.write)
        #expect(throws: SubunitOutputError.write(.brokenPipe)) { try w.write(Packet(testID: "t")) }
        #expect("\(SubunitOutputError.write(.brokenPipe))".hasPrefix("subunit output: write failed"))
    }

    @Test func encodingErrorWritesNothing() throws {
        let pipe = try TestPipe()
        var w = PacketWriter(fileDescriptor: pipe.write)
        #expect(throws: SubunitOutputError.self) { try w.write(Packet(testID: "nul\u{0}")) }
        try w.write(Packet(testID: "ok"))
        try pipe.closeWrite()
        var sink = EventList()
        try StreamReader().read(pipe.read, into: &sink)
        #expect(sink.packets.map(\.testID) == ["ok"])
    }
}

/// Records packets in order.
struct EventList: StreamResult {
    var packets: [Packet] = []
    mutating func status(_ packet: Packet) { packets.append(packet) }
}

/// A sink that is told when the reader has handed on everything it read.
@Suite struct CaughtUpTests {
    struct Marks: StreamResult {
        var events: [String] = []
        mutating func status(_ packet: Packet) { events.append(packet.testID ?? "-") }
        mutating func caughtUp() { if events.last != "caught up" { events.append("caught up") } }
    }

    /// Each packet written while the reader waits is followed by caughtUp
    /// before the next, so a buffering sink writes its rows as tests finish.
    @Test func readerSaysCaughtUpBeforeItWaits() throws {
        let pipe = try TestPipe()
        let writeEnd = try pipe.write.duplicate()
        try pipe.closeWrite()
        let gate = DispatchSemaphore(value: 0)
        let writer = Thread {
            for i in 0..<3 {
                try! writeEnd.writeAll(PacketEncoder().encode(Packet(testID: "t\(i)", status: .success)))
                gate.wait()
            }
            try! writeEnd.close()
        }
        final class Box: @unchecked Sendable { var sink = Marks() }
        let box = Box()
        let readEnd = pipe.read
        let reader = Thread {
            _ = try? StreamReader(idleTimeout: .seconds(30)).read(readEnd, into: &box.sink)
        }
        writer.start()
        reader.start()
        // The reader cannot see t1 before the writer is let go, so t0 is followed by caughtUp.
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.2)
            gate.signal()
        }
        let deadline = Date().addingTimeInterval(30)
        while !reader.isFinished && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(reader.isFinished)
        #expect(box.sink.events == ["t0", "caught up", "t1", "caught up", "t2", "caught up"])
    }

    @Test func collectorHandsOnClosedRecordsAndKeepsNone() {
        var c = Collector()
        c.status(Packet(testID: "a", status: .inProgress))
        #expect(!c.hasRecords)
        c.status(Packet(testID: "a", status: .success))
        c.status(Packet(testID: "b", status: .fail))
        #expect(c.takeRecords().map(\.testID) == ["a", "b"])
        #expect(!c.hasRecords && c.records.isEmpty)
        c.status(Packet(testID: "c", status: .inProgress))
        c.stopTestRun()
        #expect(c.takeRecords().map { "\($0.testID) \($0.isComplete)" } == ["c false"])
    }

    @Test func collectorHandsRecordsIntoTheCallersArray() {
        var c = Collector()
        var taken: [TestRecord] = [TestRecord(testID: "stale", routeCode: nil, start: nil)]
        c.status(Packet(testID: "a", status: .success))
        c.takeRecords(into: &taken)
        #expect(taken.map(\.testID) == ["a"])
        #expect(!c.hasRecords)
        c.status(Packet(testID: "b", status: .fail))
        c.status(Packet(testID: "c", status: .success))
        c.takeRecords(into: &taken)
        #expect(taken.map(\.testID) == ["b", "c"])
        c.takeRecords(into: &taken)
        #expect(taken.isEmpty)
    }
}
