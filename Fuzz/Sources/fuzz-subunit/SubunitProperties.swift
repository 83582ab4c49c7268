import FuzzSupport
import Subunit
import SubunitFuzzing

/// What must hold for any input, damaged or not.
enum SubunitProperties {
    static func check(_ input: [UInt8], strict: Bool) {
        let (a, b) = FuzzInput.feedPatterns(for: input)
        let owned = decode(input, fed: a, strict: strict) { $0.next() }
        var packetBytes = 0
        let viewed = decode(input, fed: b, strict: strict) { decoder in
            decoder.nextView { view in
                if case .packet(let p) = view { packetBytes += p.bytes.count }
                return view.event
            }
        }
        require(SubunitEvents.merged(owned) == SubunitEvents.merged(viewed),
                "next() with \(a) and nextView with \(b) disagree")
        let returned = viewed.reduce(packetBytes) { $0 + unpackedByteCount($1) }
        require(returned == input.count, "events hold \(returned) of \(input.count) bytes")
        for case .packet(let p) in owned { checkRoundTrip(p) }
    }

    /// A decoded packet encodes, and its encoding decodes to the same packet, strict mode included.
    static func checkRoundTrip(_ packet: Packet) {
        let bytes: [UInt8]
        do {
            bytes = try PacketEncoder().encode(packet)
        } catch {
            require(false, "a decoded packet does not encode: \(error)")
            return
        }
        // An empty MIME type means none (Packet.mimeType), and the encoder sends none.
        var expected = packet
        if expected.mimeType == "" { expected.mimeType = nil }
        let again = decode(bytes, fed: .whole, strict: true) { $0.next() }
        require(again == [.packet(expected)], "\(packet) re-encoded decodes as \(again)")
    }

    /// Decodes `input` fed as `pattern` cuts it, taking events with `next` after each feed
    /// and after the end of input. Checks on the way that no event comes without consuming
    /// input, that the decoder never holds more than one packet plus one feed, and that every
    /// byte is returned exactly once (in a packet, as text, or skipped as corrupt).
    static func decode(_ input: [UInt8], fed pattern: FeedPattern, strict: Bool,
                       _ next: (inout PacketDecoder) -> Event?) -> [Event] {
        var decoder = PacketDecoder(options: .init(strict: strict))
        var events: [Event] = []
        func drain(after piece: Int) {
            while let e = next(&decoder) {
                events.append(e)
                require(events.count <= input.count + 1, "events returned without consuming input")
            }
            require(decoder.bufferedByteCount <= Limits.maxPacketSize + piece,
                    "decoder holds \(decoder.bufferedByteCount) bytes")
        }
        for piece in FuzzInput.pieces(input, pattern) {
            decoder.feed(piece)
            drain(after: piece.count)
        }
        decoder.endOfInput()
        drain(after: 0)
        require(decoder.bufferedByteCount == 0, "\(decoder.bufferedByteCount) bytes left after the end of input")
        require(decoder.decodedByteCount == input.count,
                "\(decoder.decodedByteCount) of \(input.count) bytes decoded")
        return events
    }

    /// Input bytes of a text or corruption event (a packet's are in its view).
    private static func unpackedByteCount(_ e: Event) -> Int {
        switch e {
        case .packet: 0
        case .nonSubunit(let text): text.count
        case .corrupt(let c): c.skipped
        }
    }
}
