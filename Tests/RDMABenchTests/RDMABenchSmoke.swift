import Testing
@testable import RDMABench

/// Pure parts of the RDMA engine: wire formats, options, buffer layout. No device needed.
@Suite struct RDMAWireAndOptionsTests {
    @Test func connectRequestRoundTrips() {
        let r = ConnectRequest(verb: .send, mode: .lat, validate: true, session: 0xDEAD_BEEF, qpIndex: 3, qpCount: 4,
                               slotCount: 128, slotSize: 4096, messageSize: 4000, inlineSize: 236,
                               replyAddress: 0x7F00_1234_5678, replyKey: 0x1234, deadlineSeconds: 65)
        let bytes = r.encoded()
        #expect(bytes.count == ConnectRequest.encodedSize)
        #expect(bytes.count <= 56, "fits rdma_cm's connect private data")
        #expect(ConnectRequest(bytes) == r)
    }

    private func request(session: UInt32 = 7, qpIndex: UInt16 = 0, issuedAt: UInt32) -> ConnectRequest {
        ConnectRequest(verb: .write, mode: .bw, validate: false, session: session, qpIndex: qpIndex, qpCount: 2,
                       slotCount: 1, slotSize: 64, messageSize: 64, inlineSize: 0, replyAddress: 0, replyKey: 0,
                       deadlineSeconds: 60, issuedAt: issuedAt)
    }

    @Test func signedRequestFillsThePrivateDataAndRoundTrips() throws {
        let r = request(issuedAt: 1_800_000_000)
        let bytes = r.encoded(token: "s3cret")
        #expect(bytes.count == 56, "exactly rdma_cm's connect private data")
        let decoded = try #require(ConnectRequest(bytes))
        #expect(decoded.issuedAt == 1_800_000_000)
        #expect(decoded.signature != 0)
        #expect(decoded.signature == ConnectRequest.signature(of: bytes.prefix(48), token: "s3cret"))
        #expect(ConnectRequest(r.encoded())?.signature == 0, "unsigned without a token")
    }

    @Test func admissionWithATokenChecksSignatureTimeAndReplay() throws {
        let now: UInt32 = 1_800_000_000
        var gate = RDMAAdmission(token: "s3cret")
        func verdict(_ r: ConnectRequest, token: String?, at t: UInt32 = now) -> RDMAAdmission.Verdict {
            let bytes = r.encoded(token: token)
            return gate.admitRun(ConnectRequest(bytes)!, bytes: bytes, now: t)
        }
        #expect(verdict(request(session: 1, issuedAt: now), token: nil) == .refused(.tokenRejected), "unsigned")
        #expect(verdict(request(session: 2, issuedAt: now), token: "guess") == .refused(.tokenRejected), "wrong token")
        #expect(verdict(request(session: 3, issuedAt: now - 301), token: "s3cret") == .refused(.stale), "too old")
        #expect(verdict(request(session: 4, issuedAt: now + 301), token: "s3cret") == .refused(.stale), "from the future")
        #expect(verdict(request(session: 5, issuedAt: now - 290), token: "s3cret") == .admitted, "within the skew")
        #expect(verdict(request(session: 5, issuedAt: now - 290), token: "s3cret", at: now + 5) == .refused(.stale),
                "the same signed request again is a replay")
        // A request whose signed bytes were changed after signing (here: the session) fails.
        var bytes = request(session: 6, issuedAt: now).encoded(token: "s3cret")
        bytes[8] ^= 1
        #expect(gate.admitRun(ConnectRequest(bytes)!, bytes: bytes, now: now) == .refused(.tokenRejected))
        // Further QPs of an admitted run: signature and time, no replay bookkeeping.
        let qp1 = request(session: 5, qpIndex: 1, issuedAt: now).encoded(token: "s3cret")
        #expect(gate.admitQP(ConnectRequest(qp1)!, bytes: qp1, now: now) == .admitted)
        let forged = request(session: 5, qpIndex: 1, issuedAt: now).encoded(token: nil)
        #expect(gate.admitQP(ConnectRequest(forged)!, bytes: forged, now: now) == .refused(.tokenRejected))
    }

    @Test func admissionWithoutATokenLetsEveryRequestIn() {
        var gate = RDMAAdmission(token: nil)
        let bytes = request(issuedAt: 0).encoded(token: "anything")
        #expect(gate.admitRun(ConnectRequest(bytes)!, bytes: bytes, now: 1_800_000_000) == .admitted)
        #expect(gate.admitRun(ConnectRequest(bytes)!, bytes: bytes, now: 1_800_000_000) == .admitted)
    }

    @Test func connectRequestRefusesForeignBytes() {
        var bytes = ConnectRequest(verb: .write, mode: .bw, validate: false, session: 1, qpIndex: 0, qpCount: 1,
                                   slotCount: 1, slotSize: 64, messageSize: 64, inlineSize: 0,
                                   replyAddress: 0, replyKey: 0, deadlineSeconds: 1).encoded()
        #expect(ConnectRequest(Array(bytes.prefix(20))) == nil, "short")
        bytes[0] ^= 0xFF
        #expect(ConnectRequest(bytes) == nil, "wrong magic")
        #expect(ConnectRequest([UInt8](repeating: 0, count: 56)) == nil)
        bytes[0] ^= 0xFF
        bytes[4] = 1
        #expect(ConnectRequest(bytes) == nil, "version 1 (older ibbench)")
    }

    @Test func replyAndReportRoundTrip() {
        let a = ConnectReply(status: .accepted, targetAddress: 0x1000_2000, key: 77, reportAddress: 0x1000_0000)
        #expect(a.encoded().count <= 196)
        #expect(ConnectReply(a.encoded()) == a)
        #expect(ConnectReply(ConnectReply(status: .busy).encoded())?.status == .busy)
        let p = ServerReport(received: 1000, corrupt: 2, cpuNanos: 5_000_000, wallNanos: 1_000_000_000)
        #expect(ServerReport(p.encoded()) == p)
        #expect(ServerReport([UInt8](repeating: 0, count: 40)) == nil, "a zeroed report area is not a report")
    }

    @Test(arguments: [(2, 8 << 20, 23), (1, 1, 1), (3, 64, 5), (65536, 1 << 20, 5)])
    func sweepIsEveryPowerOfTwo(min: Int, max: Int, count: Int) {
        let s = RDMAOptions.sweep(from: min, to: max)
        #expect(s.count == count)
        #expect(s.allSatisfy { $0 >= min && $0 <= max && $0 & ($0 - 1) == 0 })
    }

    @Test(arguments: [
        (RDMAOptions(peer: "p", sizes: []), "--sweep"),
        (RDMAOptions(peer: "p", sizes: [0]), "--size"),
        (RDMAOptions(peer: "p", mode: .lat, qps: 2), "--qps"),
        (RDMAOptions(peer: "p", txDepth: 16, cqModeration: 32), "--cq-mod"),
        (RDMAOptions(peer: "p", txDepth: 16, postList: 17), "--post-list"),
        (RDMAOptions(peer: "p", verb: .read, inline: 64), "--inline"),
        (RDMAOptions(peer: "p", duration: -1), "-t"),
    ])
    func badOptionsAreNamed(options: RDMAOptions, option: String) {
        #expect(throws: RDMAError.self) { try options.validated() }
        do { _ = try options.validated() } catch {
            #expect(error.subject == option)
            #expect(error.description.hasPrefix("\(option): "))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func layoutKeepsHalvesApart() {
        let l = BufferLayout(qps: 3, messageSize: 1000, depth: 128)
        #expect(l.slotSize == 1024)
        #expect(l.slotCount == 128)
        #expect(l.local(qp: 0, slot: 0) == BufferLayout.controlBytes)
        #expect(l.target(qp: 0, slot: 0) == l.local(qp: 0, slot: 0) + l.halfBytes)
        #expect(l.local(qp: 1, slot: 0) == l.target(qp: 0, slot: 0) + l.halfBytes)
        #expect(l.target(qp: 2, slot: 127) + l.slotSize == l.totalBytes)
        let big = BufferLayout(qps: 1, messageSize: 1 << 20, depth: 128)
        #expect(big.slotCount == 4, "about 4 MiB per half")
    }

    @Test func patternDependsOnPlace() {
        let a = (0..<256).map { Pattern.byte(qp: 0, slot: 0, offset: $0) }
        #expect(a != (0..<256).map { Pattern.byte(qp: 1, slot: 0, offset: $0) })
        #expect(a != (0..<256).map { Pattern.byte(qp: 0, slot: 1, offset: $0) })
    }

    @Test func errorsAreOneLine() {
        let e = RDMAError(.notServing, "10.0.0.2:7470", "connection rejected", errno: .connectionRefused,
                          next: "start ibbench serve on the peer")
        #expect(e.description == "10.0.0.2:7470: connection rejected (ECONNREFUSED); start ibbench serve on the peer")
    }
}
