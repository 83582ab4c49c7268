import Testing
@testable import Subunit

/// Byte accounting of one decode: every input byte belongs to exactly one event.
struct Accounting {
    var packets = 0, packetBytes = 0, textBytes = 0, corruptions = 0, skippedBytes = 0
    var total: Int { packetBytes + textBytes + skippedBytes }
}

/// Decodes through the zero-copy path, checking the decoder's promises on the way:
/// each call that returns an event consumes at least one byte, and the buffer
/// never holds more than one maximum packet plus one piece of input.
func account(_ bytes: [UInt8], chunk: Int, strict: Bool = false) -> Accounting {
    var d = PacketDecoder(options: .init(strict: strict))
    var a = Accounting()
    func drain(_ d: inout PacketDecoder) {
        var guardCount = 0
        while let _ = d.nextView({ e -> Void in
            switch e {
            case .packet(let v): a.packets += 1; a.packetBytes += v.bytes.count
            case .nonSubunit(let b): a.textBytes += b.count
            case .corrupt(let c): a.corruptions += 1; a.skippedBytes += c.skipped
            }
        }) {
            guardCount += 1
            precondition(guardCount <= bytes.count + 1, "decoder returned events without consuming input")
        }
        precondition(d.bufferedByteCount <= Limits.maxPacketSize + chunk, "decoder holds more than one packet")
    }
    var i = 0
    while i < bytes.count {
        let j = Swift.min(bytes.count, i + chunk)
        d.feed(bytes[i..<j])
        drain(&d)
        i = j
    }
    d.endOfInput()
    drain(&d)
    return a
}

@Suite struct ResyncTests {
    let encoder = PacketEncoder()

    func stream(_ ids: [String]) throws -> [UInt8] {
        var out: [UInt8] = []
        for id in ids { try encoder.encode(Packet(testID: id, status: .success), into: &out) }
        return out
    }

    /// A flipped bit in one packet costs that packet only.
    @Test func badPacketInTheMiddleCostsOnlyItself() throws {
        var bytes = try stream(["a", "b", "c"])
        let second = try encoder.encode(Packet(testID: "a", status: .success)).count
        bytes[second + 5] ^= 0x01  // inside b's test id
        let events = decodeEvents(bytes, chunk: 3)
        let ids = events.compactMap { if case .packet(let p) = $0 { p.testID } else { nil } }
        #expect(ids == ["a", "c"])
        let corrupt = events.compactMap { if case .corrupt(let c) = $0 { c } else { nil } }
        #expect(corrupt.count == 1 && corrupt[0].message.hasPrefix("Bad checksum") && corrupt[0].offset == second)
    }

    /// Cut anywhere, a stream gives the packets before the cut and at most one error.
    @Test func truncatedAnywhere() throws {
        let bytes = try stream(["first", "second.test", "third"])
        let ends = decodeEvents(bytes, chunk: 4096).count
        #expect(ends == 3)
        var boundaries: [Int] = [0]
        for id in ["first", "second.test", "third"] {
            boundaries.append(boundaries.last! + (try encoder.encode(Packet(testID: id, status: .success))).count)
        }
        for cut in 0...bytes.count {
            let events = decodeEvents(Array(bytes[0..<cut]), chunk: 5)
            let whole = boundaries.filter { $0 <= cut }.count - 1
            let packets = events.filter { if case .packet = $0 { true } else { false } }.count
            let errors = events.filter { if case .corrupt = $0 { true } else { false } }.count
            #expect(packets == whole, "cut at \(cut)")
            #expect(errors == (boundaries.contains(cut) ? 0 : 1), "cut at \(cut)")
            #expect(account(Array(bytes[0..<cut]), chunk: 5).total == cut)
        }
    }

    @Test func lengthTooSmallForItsOwnHeaderIsCorruption() {
        // Length 5 makes python crash; here it is one corrupt packet, then text.
        let events = decodeEvents([0xB3, 0x20, 0x00, 0x05, 0x41, 0x42, 0x43], chunk: 1)
        guard case .corrupt(let c) = events.first else { Issue.record("no corruption: \(events)"); return }
        #expect(c.skipped == 6)
        #expect(events.count == 2)
    }

    @Test func strictModeRejectsTrailingBytes() throws {
        // A valid packet with one byte between the last field and the CRC.
        var body: [UInt8] = [0xB3, 0x29, 0x01, 13, 0x03] + Array("foo".utf8) + [0x00]
        let crc = CRC32.checksum(body)
        body += [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        let lenient = decodeEvents(body, chunk: 4096)
        #expect(lenient.count == 1 && { if case .packet = lenient[0] { true } else { false } }())
        let strict = decodeEvents(body, chunk: 4096, options: .init(strict: true))
        guard case .corrupt(let c) = strict.first else { Issue.record("accepted"); return }
        #expect(c.message == "1 unused bytes before the checksum")
    }

    @Test func textIsCutAtTheChunkLimit() {
        let text = [UInt8](repeating: 0x61, count: 10_000)
        var d = PacketDecoder(options: .init(maxTextChunk: 4096))
        d.feed(text)
        var sizes: [Int] = []
        while let e = d.finish() { if case .nonSubunit(let b) = e { sizes.append(b.count) } }
        #expect(sizes == [4096, 4096, 1808])
    }

    /// A copy of a decoder has its own input: feeding one (which may move or
    /// regrow the buffered bytes) changes nothing the other decodes.
    @Test func copiedDecodersDecodeIndependently() throws {
        let a = try stream(["a.one", "a.two"])
        let b = try stream(["b.one", "b.two", "b.three"])
        var first = PacketDecoder()
        first.feed(a[0..<7])  // part of a's first packet
        var second = first
        first.feed(a[7...])
        second.feed(a[7..<a.count - 3])
        second.feed([UInt8](repeating: 0x61, count: 70_000))  // forces the buffer to grow
        func ids(_ d: inout PacketDecoder) -> [String] {
            var out: [String] = []
            while let e = d.finish() {
                if case .packet(let p) = e { out.append(p.testID ?? "-") }
            }
            return out
        }
        var third = first
        third.feed(b)
        #expect(ids(&first) == ["a.one", "a.two"])
        #expect(ids(&second) == ["a.one"])
        #expect(ids(&third) == ["a.one", "a.two", "b.one", "b.two", "b.three"])
    }
}
