import BenchCore
import FuzzSupport

enum ControlProperties {
    /// Decodes `input` fed as `pattern` cuts it, draining events after each feed as `ControlChannel`
    /// does, and checks that the buffer stays within one frame plus one feed until the
    /// decoder gives up (after which the connection is closed and nothing more is read).
    static func decode(_ input: [UInt8], fed pattern: FeedPattern) -> [ControlFrameDecoder.Event] {
        var decoder = ControlFrameDecoder()
        var events: [ControlFrameDecoder.Event] = []
        var ended = false
        for piece in FuzzInput.pieces(input, pattern) {
            decoder.feed(piece)
            while let e = decoder.next() {
                events.append(e)
                require(events.count <= input.count, "events returned without consuming input")
                switch e {
                case .message: break
                case .invalid, .versionMismatch: ended = true
                }
            }
            if ended { break }
            require(decoder.pendingCount < ControlFrame.headerSize + ControlFrame.maxPayload + piece.count,
                    "decoder holds \(decoder.pendingCount) bytes")
        }
        return events
    }

    /// The event without the reason of an `.invalid`, which quotes the first bytes that had
    /// arrived and so depends on how the input was cut.
    static func comparable(_ e: ControlFrameDecoder.Event) -> ControlFrameDecoder.Event {
        if case .invalid = e { return .invalid("") }
        return e
    }

    /// The message encodes as one frame that decodes to the same message and nothing else.
    static func checkRoundTrip(_ message: ControlMessage) {
        let frame = ControlFrame.encode(message)
        var decoder = ControlFrameDecoder()
        decoder.feed(frame)
        let again = decoder.next()
        require(again == .message(message), "\(message.name) re-encoded decodes as \(String(describing: again))")
        require(decoder.pendingCount == 0, "\(decoder.pendingCount) bytes left after a re-encoded \(message.name)")
    }
}
