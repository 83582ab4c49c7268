import BenchCore
import Testing

/// The mesh's messages on the control protocol's framing (docs/control-protocol.md).
struct MeshMessageTests {
    static let messages: [ControlMessage] = [
        .join(rank: 7, host: "node7"),
        .meshPlan(json: Array(#"{"hosts":["a","b"],"seed":"1"}"#.utf8)),
        .runPair(json: Array(#"{"id":3,"from":"a","to":"b"}"#.utf8)),
        .pairResult(json: Array(" {\"id\":3}\n".utf8)),
        .done(status: 2),
    ]

    @Test("each mesh message comes back as it was sent, with its documented type code", arguments: messages)
    func roundTrip(_ message: ControlMessage) {
        let frame = ControlFrame.encode(message)
        #expect(frame[3] == message.typeCode)
        var decoder = ControlFrameDecoder()
        decoder.feed(frame)
        #expect(decoder.next() == .message(message))
    }

    @Test("type codes 20-24, in the order of the protocol")
    func typeCodes() {
        #expect(Self.messages.map(\.typeCode) == [20, 21, 22, 23, 24])
        #expect(Self.messages.map(\.name) == ["join", "plan", "run-pair", "pair-result", "done"])
    }

    @Test("a mesh document that is not a JSON object is a malformed frame")
    func notAnObject() {
        var frame = ControlFrame.encode(.runPair(json: Array("[1,2]".utf8)))
        var decoder = ControlFrameDecoder()
        decoder.feed(frame)
        guard case .invalid = decoder.next() else {
            Issue.record("a JSON array was taken for a run-pair document")
            return
        }
        frame = ControlFrame.encode(.join(rank: 1, host: "a"))
        frame.replaceSubrange(8..., with: Array(#"{"rank":"one"}"#.utf8))
        frame[7] = UInt8(frame.count - 8)
        decoder = ControlFrameDecoder()
        decoder.feed(frame)
        guard case .invalid = decoder.next() else {
            Issue.record("a join with a non-numeric rank was accepted")
            return
        }
    }
}
