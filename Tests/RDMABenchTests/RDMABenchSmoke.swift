import Testing
import BenchCore
@testable import RDMABench

/// Pure parts of the RDMA engine: wire formats, options, buffer layout. No device needed.
@Suite struct RDMAWireAndOptionsTests {
    @Test func connectRequestRoundTrips() {
        let session = (0..<16).map { UInt8($0 * 7) }
        let r = ConnectRequest(session: session, qpIndex: 3, replyAddress: 0x7F00_1234_5678, replyKey: 0x1234)
        let bytes = r.encoded()
        #expect(bytes.count == ConnectRequest.encodedSize)
        #expect(bytes.count <= 56, "fits rdma_cm's connect private data")
        #expect(ConnectRequest(bytes) == r)
    }

    @Test func connectRequestRefusesForeignBytes() {
        var bytes = ConnectRequest(session: [UInt8](repeating: 1, count: 16), qpIndex: 0, replyAddress: 0, replyKey: 0).encoded()
        #expect(ConnectRequest(Array(bytes.prefix(20))) == nil, "short")
        bytes[0] ^= 0xFF
        #expect(ConnectRequest(bytes) == nil, "wrong magic")
        #expect(ConnectRequest([UInt8](repeating: 0, count: 56)) == nil)
        bytes[0] ^= 0xFF
        bytes[4] = 2
        #expect(ConnectRequest(bytes) == nil, "version 2 (older ibbench, its own signed parameters)")
    }

    @Test func replyRoundTrips() {
        let a = ConnectReply(status: .accepted, targetAddress: 0x1000_2000, key: 77)
        #expect(a.encoded().count <= 196)
        #expect(ConnectReply(a.encoded()) == a)
        #expect(ConnectReply(ConnectReply(status: .badRequest).encoded())?.status == .badRequest)
        #expect(ConnectReply([UInt8](repeating: 0, count: 24)) == nil, "zeroes are not a reply")
    }

    @Test(arguments: [RDMAVerb.write, .read, .send])
    func testSpecTravelsInThePlan(verb: RDMAVerb) throws {
        let spec = RDMATestSpec(verb: verb, mode: .bw, layout: BufferLayout(qps: 4, messageSize: 1000, depth: 128),
                                inlineSize: 64, validate: true, stallSeconds: 6)
        let plan = spec.plan(duration: 2, timeLimit: 82)
        #expect(plan.kind == "rdma.\(verb).bw")
        #expect(plan.validationProblem() == nil)
        #expect(try RDMATestSpec(plan: plan) == spec)
        #expect(RDMATestSpec.kinds.contains(plan.kind))
    }

    @Test(arguments: [
        ("slots", "0"), ("slots", "9000"), ("slot_size", "10"), ("inline", "5000"), ("stall", "nan"), ("stall", "-1"), ("stall", "1e6"),
    ])
    func serverRefusesPlansOutOfBounds(key: String, value: String) {
        var plan = RDMATestSpec(verb: .write, mode: .bw, layout: BufferLayout(qps: 1, messageSize: 64, depth: 16),
                                inlineSize: 0, validate: false, stallSeconds: 6).plan(duration: nil, timeLimit: 60)
        plan.options[key] = value
        #expect(throws: BenchError.self) { try RDMATestSpec(plan: plan) }
    }

    @Test func serverRefusesHugeBuffersAndLatencyOverSeveralQPs() {
        var plan = RDMATestSpec(verb: .write, mode: .bw, layout: BufferLayout(qps: 64, slotCount: 8192, slotSize: 1 << 20,
                                                                              messageSize: 1 << 20),
                                inlineSize: 0, validate: false, stallSeconds: 6).plan(duration: nil, timeLimit: 60)
        #expect(throws: BenchError.self) { try RDMATestSpec(plan: plan) }
        plan = RDMATestSpec(verb: .send, mode: .lat, layout: BufferLayout(qps: 2, messageSize: 64, depth: 1),
                            inlineSize: 0, validate: false, stallSeconds: 6).plan(duration: nil, timeLimit: 60)
        #expect(throws: BenchError.self) { try RDMATestSpec(plan: plan) }
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
