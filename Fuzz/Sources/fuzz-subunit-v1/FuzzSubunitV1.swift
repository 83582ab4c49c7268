import FuzzSupport
import Subunit
import SubunitFuzzing

/// The subunit v1 decoder on any bytes, as `ibbench report` meets an older runner's stream:
/// fed whole and in pieces, the two must agree; every byte is accounted for; and every test
/// it makes of the lines is a v2 packet that encodes and decodes back to itself, since the
/// report passes v1 runs on as v2.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSubunitV1(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput.bytes(data, size)
    let (pattern, _) = FuzzInput.feedPatterns(for: input)
    let whole = SubunitV1Properties.decode(input, fed: .whole)
    let pieces = SubunitV1Properties.decode(input, fed: pattern)
    require(SubunitEvents.merged(whole) == SubunitEvents.merged(pieces),
            "one feed and \(pattern) disagree")
    for case .packet(let p) in whole { SubunitV1Properties.checkRoundTrip(p) }
    return 0
}

enum SubunitV1Properties {
    /// Decodes `input` fed as `pattern` cuts it, draining events after each feed as the
    /// report's reader does, with a fixed clock so that every decode gives the same times.
    static func decode(_ input: [UInt8], fed pattern: FeedPattern) -> [Event] {
        var decoder = V1Decoder(clock: { Timestamp(seconds: 1_700_000_000) })
        var events: [Event] = []
        func drain() {
            while let e = decoder.next() {
                events.append(e)
                require(events.count <= 4 * input.count + 8, "events returned without consuming input")
            }
        }
        for piece in FuzzInput.pieces(input, pattern) {
            decoder.feed(piece)
            drain()
        }
        decoder.endOfInput()
        drain()
        require(decoder.decodedByteCount == input.count, "\(decoder.decodedByteCount) of \(input.count) bytes decoded")
        return events
    }

    /// A packet made from v1 lines encodes, and its encoding decodes to the same packet.
    static func checkRoundTrip(_ packet: Packet) {
        let bytes: [UInt8]
        do {
            bytes = try PacketEncoder().encode(packet)
        } catch {
            require(false, "a packet made from v1 lines does not encode: \(error)")
            return
        }
        var expected = packet
        if expected.mimeType == "" { expected.mimeType = nil }
        var decoder = PacketDecoder(options: .init(strict: true))
        decoder.feed(bytes)
        decoder.endOfInput()
        var again: [Event] = []
        while let e = decoder.next() { again.append(e) }
        require(again == [.packet(expected)], "\(packet) re-encoded decodes as \(again)")
    }
}
