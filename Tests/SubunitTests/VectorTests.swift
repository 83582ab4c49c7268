import Testing
import Subunit

@Suite struct VectorTests {
    /// Every vector, fed in pieces of 1, 7 and 4096 bytes, gives exactly
    /// python-subunit's events (text compared by concatenation).
    @Test(arguments: Vectors.names, [1, 7, 4096])
    func decodesLikePythonSubunit(name: String, chunk: Int) throws {
        let events = decodeEvents(try Vectors.bytes(name), chunk: chunk)
        let got = PyEvent.mergingText(events.flatMap(PyEvent.from))
        let want = PyEvent.mergingText(try Vectors.expected(name))
        #expect(got.count == want.count)
        for (k, (g, w)) in zip(got, want).enumerated() {
            #expect(g == w, "event \(k)")
        }
    }

    /// Re-encoding every packet an encoder made gives back its exact bytes.
    @Test(arguments: Vectors.names)
    func reencodesByteForByte(name: String) throws {
        let madeByEncoder = Vectors.madeBy[name]?.hasPrefix("encoder") ?? false
        var decoder = PacketDecoder()
        decoder.feed(try Vectors.bytes(name))
        var checked = 0
        var mismatches: [Int] = []
        let encoder = PacketEncoder()
        while let ok = decoder.finishView({ event -> Bool in
            guard case .packet(let view) = event else { return true }
            checked += 1
            return (try? encoder.encode(view.packet)) == Array(view.bytes)
        }) {
            if !ok { mismatches.append(checked) }
        }
        if Vectors.madeBy[name] == "encoder" { #expect(checked > 0) }
        if madeByEncoder || name == "nanosecond_timestamp" { #expect(mismatches.isEmpty, "packets \(mismatches)") }
    }

    /// The strict decoder rejects what python lets through.
    @Test func strictRejectsVersionAndReservedBit() throws {
        let events = decodeEvents(try Vectors.bytes("flags_python_ignores"), chunk: 4096, options: .init(strict: true))
        let messages = events.compactMap { if case .corrupt(let c) = $0 { c.message } else { nil } }
        #expect(messages == ["Unsupported version 3 in flags 0x3903", "Reserved flag bit 0x8 set in flags 0x290b"])
    }
}

extension PacketDecoder {
    /// `nextView` after marking the end of input.
    mutating func finishView<R>(_ body: (EventView) -> R) -> R? {
        endOfInput()
        return nextView(body)
    }
}
