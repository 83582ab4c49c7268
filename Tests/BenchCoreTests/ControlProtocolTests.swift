import Testing
@testable import BenchCore

@Suite struct HMACTests {
    @Test func sha256KnownVectors() {
        #expect(Hex.encode(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(Hex.encode(SHA256.hash(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func hmacRFC4231Case2() {
        let mac = SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func proofDependsOnTokenAndNonce() {
        let a = TokenProof.proof(token: "s3cret", nonce: [1, 2, 3])
        #expect(TokenProof.matches(a, TokenProof.proof(token: "s3cret", nonce: [1, 2, 3])))
        #expect(!TokenProof.matches(a, TokenProof.proof(token: "s3cret", nonce: [1, 2, 4])))
        #expect(!TokenProof.matches(a, TokenProof.proof(token: "other", nonce: [1, 2, 3])))
        #expect(!TokenProof.matches(a, []))
    }
}

@Suite struct ControlFrameTests {
    static let messages: [ControlMessage] = [
        .hello(software: "ibbench 0.1.0"), .challenge(nonce: [1, 2, 255], tokenRequired: true), .auth(proof: [9, 8]),
        .welcome, .setup(TestPlan(kind: "tcp.rr", streams: 2, options: ["nodelay": "1"])),
        .accepted(session: [0xab, 0xcd], info: ["port": "1"]), .attach(session: [1], stream: 3), .ready, .start,
        .finished, .stop, .results(subunit: [0xb3, 0x29, 0x01]), .busy("busy"), .error("bad"),
    ]

    @Test(arguments: messages, [1, 3, 4096])
    func roundTripsInAnyChunking(message: ControlMessage, chunk: Int) {
        let bytes = ControlFrame.encode(message)
        var d = ControlFrameDecoder()
        var got: [ControlFrameDecoder.Event] = []
        var i = 0
        while i < bytes.count {
            d.feed(bytes[i..<min(bytes.count, i + chunk)])
            i += chunk
            while let e = d.next() { got.append(e) }
        }
        #expect(got == [.message(message)])
    }

    @Test func headerIsMagicVersionTypeLength() {
        let b = ControlFrame.encode(.error("hi"))
        #expect(Array(b.prefix(8)) == [0x69, 0x62, 1, 0x7F, 0, 0, 0, 2])
    }

    @Test func garbageIsInvalid() {
        var d = ControlFrameDecoder()
        d.feed(Array("GET / HTTP/1.1\r\n".utf8))
        guard case .invalid(let why) = d.next() else { Issue.record("expected invalid"); return }
        #expect(why.contains("not an ibbench control frame"))
        #expect(d.next() == nil)
    }

    @Test func oversizedFrameIsRejectedBeforeBuffering() {
        var d = ControlFrameDecoder()
        d.feed([0x69, 0x62, 1, 5, 0x7f, 0xff, 0xff, 0xff])
        guard case .invalid(let why) = d.next() else { Issue.record("expected invalid"); return }
        #expect(why.contains("exceeds"))
    }

    @Test func otherVersionIsReportedWithItsText() {
        var frame = ControlFrame.encode(.error("speak v2"))
        frame[2] = 2
        var d = ControlFrameDecoder()
        d.feed(frame)
        #expect(d.next() == .versionMismatch(peerVersion: 2, text: "speak v2"))
    }

    @Test func malformedPayloadIsInvalid() {
        var d = ControlFrameDecoder()
        d.feed([0x69, 0x62, 1, 5, 0, 0, 0, 2] + Array("{]".utf8))
        guard case .invalid = d.next() else { Issue.record("expected invalid"); return }
    }

    @Test func leftoverBytesAfterAttachAreKept() {
        var d = ControlFrameDecoder()
        d.feed(ControlFrame.encode(.attach(session: [7], stream: 0)) + [1, 2, 3])
        #expect(d.next() == .message(.attach(session: [7], stream: 0)))
        #expect(d.takeRemaining() == [1, 2, 3])
    }
}

@Suite struct ControlServerMachineTests {
    let plan = TestPlan(kind: "tcp.stream", streams: 2, duration: 1, timeLimit: 11)
    func machine(token: String? = nil) -> ControlServerMachine {
        ControlServerMachine(nonce: [1, 2, 3, 4], token: token, knownKinds: ["tcp.stream", "tcp.rr"])
    }

    @Test func happyPath() {
        var m = machine()
        #expect(m.received(.hello(software: "x")) == [.send(.challenge(nonce: [1, 2, 3, 4], tokenRequired: false))])
        #expect(m.received(.auth(proof: [])) == [.send(.welcome)])
        #expect(m.received(.setup(plan)) == [.prepare(plan)])
        #expect(m.prepared(plan: plan, session: [9], info: [:]) == [.send(.accepted(session: [9], info: [:]))])
        #expect(m.dataPathReady() == [.send(.ready)])
        #expect(m.received(.start) == [.startTest])
        #expect(m.waitLimit == 11)
        #expect(m.received(.finished) == [.collectResults])
        #expect(m.resultsReady([1]) == [.sendAndClose(.results(subunit: [1]))])
        #expect(m.state == .done)
    }

    @Test func correctTokenIsAccepted() {
        var m = machine(token: "t0k")
        _ = m.received(.hello(software: "x"))
        #expect(m.received(.auth(proof: TokenProof.proof(token: "t0k", nonce: [1, 2, 3, 4]))) == [.send(.welcome)])
    }

    @Test(arguments: [[UInt8](), [1, 2, 3]])
    func badTokenIsRejected(proof: [UInt8]) {
        var m = machine(token: "t0k")
        _ = m.received(.hello(software: "x"))
        let actions = m.received(.auth(proof: proof))
        guard case .sendAndClose(.error(let text)) = actions.last else { Issue.record("\(actions)"); return }
        #expect(text.hasPrefix("token rejected"))
        #expect(m.state == .done)
    }

    @Test func silentClientTimesOut() {
        var m = machine()
        #expect(m.waitLimit == 10)
        guard case .sendAndClose(.error(let text)) = m.deadlinePassed().last else { Issue.record("no error"); return }
        #expect(text.contains("silent"))
    }

    @Test func unknownKindAndBadPlanAreRefused() {
        var m = machine()
        _ = m.received(.hello(software: "x"))
        _ = m.received(.auth(proof: []))
        guard case .sendAndClose(.error(let text)) = m.received(.setup(TestPlan(kind: "rdma.write"))).last else {
            Issue.record("no error"); return
        }
        #expect(text.contains("unknown"))
        var m2 = machine()
        _ = m2.received(.hello(software: "x"))
        _ = m2.received(.auth(proof: []))
        guard case .sendAndClose(.error(let t2)) = m2.received(.setup(TestPlan(kind: "tcp.stream", streams: 0))).last else {
            Issue.record("no error"); return
        }
        #expect(t2.contains("streams 0"))
    }

    @Test func peerVanishingWhileRunningAbortsTheTest() {
        var m = machine()
        _ = m.received(.hello(software: "x"))
        _ = m.received(.auth(proof: []))
        _ = m.received(.setup(plan))
        _ = m.prepared(plan: plan, session: [1], info: [:])
        _ = m.dataPathReady()
        _ = m.received(.start)
        #expect(m.peerClosed() == [.abortTest, .close])
    }

    @Test func outOfOrderMessageIsAnError() {
        var m = machine()
        let a = m.received(.start)
        guard case .sendAndClose(.error(let text)) = a.last else { Issue.record("\(a)"); return }
        #expect(text.contains("unexpected start"))
    }

    @Test func garbageAndOtherVersionsGetClearErrors() {
        var m = machine()
        guard case .sendAndClose(.error(let t)) = m.received(.versionMismatch(peerVersion: 9, text: nil)).last else {
            Issue.record("no error"); return
        }
        #expect(t.contains("version 9 not supported"))
        var m2 = machine()
        guard case .sendAndClose(.error(let t2)) = m2.received(.invalid("junk")).last else { Issue.record("no error"); return }
        #expect(t2.hasPrefix("junk"))
    }
}

@Suite struct ControlClientMachineTests {
    let plan = TestPlan(kind: "tcp.stream", streams: 1, duration: 1, timeLimit: 11)

    @Test func happyPath() {
        var m = ControlClientMachine(plan: plan, token: "k", software: "s")
        #expect(m.connected() == [.send(.hello(software: "s"))])
        #expect(m.received(.challenge(nonce: [5], tokenRequired: true)) == [.send(.auth(proof: TokenProof.proof(token: "k", nonce: [5])))])
        #expect(m.received(.welcome) == [.send(.setup(plan))])
        #expect(m.received(.accepted(session: [3], info: [:])) == [.attachDataPath(session: [3], info: [:])])
        #expect(m.dataPathAttached() == [])
        #expect(m.received(.ready) == [.send(.start), .startStreams])
        #expect(m.waitLimit == 11)
        #expect(m.streamsFinished() == [.send(.finished)])
        #expect(m.received(.results(subunit: [1, 2])) == [.finish(.completed(serverResults: [1, 2]))])
    }

    /// A silent server's results are waited for the plan's grace (15 s at most), or the
    /// timeout the transport gives.
    @Test(arguments: [(nil, 10.0), (1.5, 1.5)] as [(Double?, Double)])
    func resultsWaitIsTheTimeoutGiven(timeout: Double?, expected: Double) {
        var m = ControlClientMachine(plan: plan, token: nil, resultsTimeout: timeout)
        _ = m.connected()
        _ = m.received(.challenge(nonce: [1], tokenRequired: false))
        _ = m.received(.welcome)
        _ = m.received(.accepted(session: [3], info: [:]))
        _ = m.dataPathAttached()
        _ = m.received(.ready)
        _ = m.streamsFinished()
        #expect(m.state == .awaitingResults)
        #expect(m.waitLimit == expected)
        let shown = expected == expected.rounded() ? String(Int(expected)) : String(expected)
        #expect(m.deadlinePassed() == [.send(.stop), .finish(.failed("server sent no results within \(shown) s; the peer may be gone"))])
    }

    /// A server that stays silent in the handshake gets the test's timeout too, at most 10 s.
    @Test(arguments: [(nil, 10.0), (1.5, 1.5), (30, 10)] as [(Double?, Double)])
    func handshakeWaitIsTheTimeoutAtMostTenSeconds(timeout: Double?, expected: Double) {
        var m = ControlClientMachine(plan: plan, token: nil, resultsTimeout: timeout)
        _ = m.connected()
        #expect(m.state == .awaitingChallenge)
        #expect(m.waitLimit == expected)
        let shown = expected == expected.rounded() ? String(Int(expected)) : String(expected)
        #expect(m.deadlinePassed().last == .finish(.failed("server silent for \(shown) s during the handshake; is it an ibbench server?")))
    }

    @Test func busyServer() {
        var m = ControlClientMachine(plan: plan, token: nil)
        _ = m.connected()
        #expect(m.received(.busy("full")) == [.finish(.busy("full"))])
    }

    @Test func tokenRequiredButNoneGiven() {
        var m = ControlClientMachine(plan: plan, token: nil)
        _ = m.connected()
        guard case .finish(.failed(let t)) = m.received(.challenge(nonce: [1], tokenRequired: true)).last else {
            Issue.record("no failure"); return
        }
        #expect(t.contains("--token"))
    }

    @Test func peerDeathWhileRunningStopsStreams() {
        var m = ControlClientMachine(plan: plan, token: nil)
        _ = m.connected()
        _ = m.received(.challenge(nonce: [1], tokenRequired: false))
        _ = m.received(.welcome)
        _ = m.received(.accepted(session: [1], info: [:]))
        _ = m.dataPathAttached()
        _ = m.received(.ready)
        let a = m.peerClosed()
        #expect(a.first == .stopStreams)
        guard case .finish(.failed(let t)) = a.last else { Issue.record("\(a)"); return }
        #expect(t.contains("closed"))
    }

    @Test func silentServerAfterFinishedTimesOut() {
        var m = ControlClientMachine(plan: plan, token: nil)
        _ = m.connected()
        _ = m.received(.challenge(nonce: [1], tokenRequired: false))
        _ = m.received(.welcome)
        _ = m.received(.accepted(session: [1], info: [:]))
        _ = m.dataPathAttached()
        _ = m.received(.ready)
        _ = m.streamsFinished()
        let a = m.deadlinePassed()
        #expect(a.contains(.send(.stop)))
        guard case .finish(.failed(let t)) = a.last else { Issue.record("\(a)"); return }
        #expect(t.contains("no results"))
    }

    @Test func serverOfAnotherVersion() {
        var m = ControlClientMachine(plan: plan, token: nil)
        _ = m.connected()
        guard case .finish(.failed(let t)) = m.received(.versionMismatch(peerVersion: 2, text: "nope")).last else {
            Issue.record("no failure"); return
        }
        #expect(t.contains("version 2") && t.contains("nope"))
    }
}
