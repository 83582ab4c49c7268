import Testing
@testable import Subunit

/// Hex string of bytes, for readable expectations.
func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

@Suite struct EncoderTests {
    let encoder = PacketEncoder()

    @Test func crcCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        // Every length around the 8-byte stride agrees with the bitwise definition.
        for n in 0..<40 {
            let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            var c: UInt32 = 0xFFFF_FFFF
            for b in data {
                c ^= UInt32(b)
                for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            }
            #expect(CRC32.checksum(data) == ~c, "length \(n)")
        }
    }

    /// Carry-less multiplication (where the processor has it) and the tables
    /// agree for every length through several folding steps, from any state
    /// and at any alignment.
    @Test func crcMethodsAgree() {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<700).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data.withUnsafeBytes { all in
            for n in 0...600 {
                let start = n % 13
                let piece = UnsafeRawBufferPointer(rebasing: all[start..<start + n])
                let state = UInt32.random(in: 0...UInt32.max, using: &rng)
                #expect(CRC32.update(state, piece) == CRC32.updateByTable(state, piece), "length \(n)")
            }
        }
    }

    @Test(arguments: [
        (0, "00"), (63, "3f"), (64, "4040"), (1000, "43e8"), (16383, "7fff"), (16384, "804000"),
        (100_000, "8186a0"), (4_194_303, "bfffff"), (4_194_304, "c0400000"), (123_456_789, "c75bcd15"),
        (1_073_741_823, "ffffffff"),
    ])
    func numberForms(value: Int, expected: String) {
        var out: [UInt8] = []
        Number.append(value, to: &out)
        #expect(hex(out) == expected)
        #expect(Number.width(value) == out.count)
    }

    /// Spec 11.1, the upstream README's example packet.
    @Test func enumerationPacket() throws {
        let p = Packet(testID: "foo", status: .exists)
        #expect(hex(try encoder.encode(p)) == "b329010c03666f6f08555f1b")
    }

    /// Spec 11.2: timestamp, tag and route code, in wire order.
    @Test func startPacketWithTagAndRoute() throws {
        let p = Packet(testID: "t1", status: .inProgress, tags: ["w0"], routeCode: "0",
                       timestamp: Timestamp(seconds: 1_704_164_645, nanoseconds: 1000))
        #expect(hex(try encoder.encode(p)) == "b32f821765937d2543e80274310102773001 30a23731c7".replacingOccurrences(of: " ", with: ""))
    }

    /// Spec 11.3: file chunk with MIME type and EOF, 2-byte length field.
    @Test func fileChunkPacket() throws {
        let p = Packet(testID: "pkg.TestX.test_y", file: FileChunk(name: "log", content: Array("hello world\n".utf8)),
                       eof: true, mimeType: "text/plain;charset=utf8")
        let expected = """
            b3 29 70 40 43 10 70 6b 67 2e 54 65 73 74 58 2e 74 65 73 74 5f 79
            17 74 65 78 74 2f 70 6c 61 69 6e 3b 63 68 61 72 73 65 74 3d 75 74 66 38
            03 6c 6f 67 0c 68 65 6c 6c 6f 20 77 6f 72 6c 64 0a 96 9e 78 0f
            """
        #expect(try encoder.encode(p) == bytes(hex: expected))
    }

    @Test func emptyPacketIsEightBytes() throws {
        #expect(hex(try encoder.encode(Packet(runnable: false))) == "b32000081815f0ba")
    }

    /// The length field grows at bases 63 and 16,382, so totals 64 and 16,384 never occur.
    @Test(arguments: [(62, 63), (63, 65), (16_381, 16_383), (16_382, 16_385), (4_194_300, 4_194_303)])
    func lengthFieldWidth(base: Int, total: Int) throws {
        #expect(try PacketEncoder.totalSize(body: base - 7) == total)
    }

    /// The one-pass path for small packets and the measured path write the
    /// same bytes, across the 1- and 2-byte length fields, strings of every
    /// short length, and packets on either side of the one-pass path's limit.
    @Test func onePassAndMeasuredPathsAgree() throws {
        func checked(_ p: Packet) throws -> [UInt8] {
            var out: [UInt8] = [9]
            try PacketEncoder.encodeChecked(p, into: &out)
            return Array(out.dropFirst())
        }
        var packets: [Packet] = []
        for n in 0..<70 {
            let s = String(repeating: "é", count: n / 2) + String(repeating: "t", count: n % 2)
            packets.append(Packet(testID: s, status: .success))
            packets.append(Packet(testID: "t", tags: [s, "x"], routeCode: s,
                                  timestamp: Timestamp(seconds: 7, nanoseconds: UInt32(n) * 1_000_000)))
            packets.append(Packet(testID: "", file: FileChunk(name: s, content: []), mimeType: s))
        }
        for n in [900, 990, 995, 1000, 1005, 1010, 1020, 2000] {
            packets.append(Packet(testID: "a.test", file: FileChunk(name: "log", content: [UInt8](repeating: 0, count: n)),
                                  eof: true, mimeType: "text/plain", routeCode: "0/1"))
        }
        for p in packets {
            var out: [UInt8] = [9]
            try encoder.encode(p, into: &out)
            #expect(Array(out.dropFirst()) == (try checked(p)))
        }
    }

    @Test func refusesOversizedPacket() {
        var out: [UInt8] = [1, 2, 3]
        let big = Packet(testID: "x", file: FileChunk(name: "f", content: [UInt8](repeating: 0, count: 4_194_300)))
        #expect(throws: EncodingError.self) { try encoder.encode(big, into: &out) }
        #expect(out == [1, 2, 3], "nothing appended on error")
    }

    @Test func refusesNUL() {
        #expect(throws: EncodingError(.stringContainsNUL, field: "test id")) {
            try encoder.encode(Packet(testID: "a\u{0}b"))
        }
    }

    /// The first problem in field order is the one reported, and nothing is
    /// appended, whether the NUL is found while writing or the size is wrong too.
    @Test(arguments: [
        (Packet(testID: "t", tags: ["a", "b\u{0}"], routeCode: "r\u{0}"), "tag"),
        (Packet(testID: "t", file: FileChunk(name: "log", content: [0, 0]), mimeType: "text/plain\u{0}"), "MIME type"),
        (Packet(testID: "t", file: FileChunk(name: "a long file name \u{0} of many words", content: [1])), "file name"),
        (Packet(testID: "t", routeCode: "0/\u{0}"), "route code"),
        (Packet(testID: "\u{0}", file: FileChunk(name: "f", content: [UInt8](repeating: 1, count: 4_194_300))), "test id"),
        (Packet(testID: "t", file: FileChunk(name: "f", content: [UInt8](repeating: 1, count: 4_194_300)), routeCode: "\u{0}"),
         "route code"),
    ])
    func reportsTheFirstNULInFieldOrder(packet: Packet, field: String) {
        var out: [UInt8] = [7, 8]
        #expect(throws: EncodingError(.stringContainsNUL, field: field)) { try encoder.encode(packet, into: &out) }
        #expect(out == [7, 8])
    }

    @Test func appendsWithoutReallocating() throws {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        let before = out.withUnsafeBufferPointer { $0.baseAddress }
        for _ in 0..<10 { try encoder.encode(Packet(testID: "ibbench.tcp.stream", status: .success), into: &out) }
        #expect(out.withUnsafeBufferPointer { $0.baseAddress } == before)
    }

    @Test func attachmentChunks() throws {
        let content = (0..<10).map { UInt8($0) }
        let chunks = Array(Attachment(name: "log", mimeType: "text/plain", content: content)
            .packets(testID: "t", status: .success, tags: ["a"], timestamp: Timestamp(seconds: 5), chunkSize: 4))
        #expect(chunks.count == 3)
        #expect(chunks.map { $0.file?.content.count } == [4, 4, 2])
        #expect(chunks.flatMap { $0.file!.content } == content)
        #expect(chunks.map(\.mimeType) == ["text/plain", nil, nil])
        #expect(chunks.map(\.eof) == [false, false, true])
        #expect(chunks.map(\.status) == [.undefined, .undefined, .success])
        #expect(chunks.map(\.tags) == [[], [], ["a"]])
        #expect(chunks.last?.timestamp == Timestamp(seconds: 5))
        #expect(chunks.allSatisfy { $0.testID == "t" && $0.file?.name == "log" })

        let empty = Array(Attachment(name: "blob", mimeType: nil, content: []).packets(testID: nil))
        #expect(empty.count == 1 && empty[0].eof && empty[0].file?.content == [])
    }

    @Test func timestampFromDouble() {
        #expect(Timestamp(unixSeconds: 1_704_164_645.25) == Timestamp(seconds: 1_704_164_645, nanoseconds: 250_000_000))
        #expect(Timestamp(unixSeconds: -1) == nil)
        #expect(Timestamp(unixSeconds: 5e9) == nil)
        #expect(Timestamp(seconds: 1_704_164_645, nanoseconds: 1000).description == "2024-01-02T03:04:05.000001000Z")
    }
}
