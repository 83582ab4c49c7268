#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Subunit

/// Frames of every message type, as ibbench sends them, and one whole conversation.
enum ControlSeeds {
    static var messages: [(String, ControlMessage)] {
        let plan = TestPlan(kind: "tcp.rr", streams: 2, duration: 1.5, bytes: 1 << 20, size: 65_536,
                            request: 64, response: 64, omit: 0.5, timeLimit: 30, serverCPU: 1,
                            options: ["nodelay": "1", "window": "4194304"])
        let result = (try? PacketEncoder().encode(Packet(testID: "ibbench.tcp.rr", status: .success))) ?? []
        return [
            ("hello", .hello(software: "ibbench 0.1.0")),
            ("challenge", .challenge(nonce: Array(0..<16), tokenRequired: true)),
            ("auth", .auth(proof: Array(repeating: 0xA5, count: 32))),
            ("welcome", .welcome),
            ("setup", .setup(plan)),
            ("setup-rdma", .setup(TestPlan(kind: "rdma.write", options: ["qps": "2", "gid_index": "1"]))),
            ("accepted", .accepted(session: [0xAB, 0xCD, 0xEF, 0x01], info: ["port": "18515", "gid": "fe80::1"])),
            ("attach", .attach(session: [0xAB, 0xCD, 0xEF, 0x01], stream: 1)),
            ("ready", .ready),
            ("start", .start),
            ("finished", .finished),
            ("stop", .stop),
            ("results", .results(subunit: result)),
            ("join", .join(rank: 3, host: "node-3")),
            ("plan", .meshPlan(json: Array(#"{"hosts":["a","b"],"seed":"1"}"#.utf8))),
            ("run-pair", .runPair(json: Array(#"{"id":3,"from":"a","to":"b"}"#.utf8))),
            ("pair-result", .pairResult(json: Array(#"{"id":3,"results":[]}"#.utf8))),
            ("done", .done(status: 1)),
            ("busy", .busy("server busy: 4 clients")),
            ("error", .error("bad token")),
        ]
    }

    /// A client's side of a whole test, back to back, as one connection carries it.
    static var conversation: [UInt8] {
        messages.filter { ["hello", "auth", "setup", "start", "finished"].contains($0.0) }
            .flatMap { ControlFrame.encode($0.1) }
    }

    static func writeIfAsked() {
        guard let dir = getenv("IBKIT_FUZZ_SEEDS").map({ String(cString: $0) }) else { return }
        for (name, message) in messages { write(ControlFrame.encode(message), to: "\(dir)/\(name).frame") }
        write(conversation, to: "\(dir)/conversation.frames")
    }

    private static func write(_ bytes: [UInt8], to path: String) {
        guard let f = fopen(path, "wb") else { fatalError("\(path): cannot write a seed") }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }
}
