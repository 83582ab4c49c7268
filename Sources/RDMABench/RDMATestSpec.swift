import BenchCore

/// One RDMA test as both ends need to know it, carried in the control protocol's `setup`
/// (`TestPlan`): kind `rdma.<verb>.<mode>`, `streams` = queue pairs, `size` = message size,
/// and in `options` the buffer layout both ends share and the flags the server acts on.
struct RDMATestSpec: Equatable, Sendable {
    var verb: RDMAVerb
    var mode: RDMAMode
    var layout: BufferLayout
    /// The largest message sent inline; the server's replies follow it.
    var inlineSize: Int
    var validate: Bool
    /// How long the server waits for a silent client mid-run, seconds.
    var stallSeconds: Double

    var kind: String { Self.kind(verb, mode) }

    static func kind(_ verb: RDMAVerb, _ mode: RDMAMode) -> String { "rdma.\(verb.rawValue).\(mode.rawValue)" }

    /// Every kind the RDMA transport runs.
    static let kinds = RDMAVerb.allCases.flatMap { v in RDMAMode.allCases.map { kind(v, $0) } }

    /// The plan for `setup`. `duration` nil: the client counts messages, and the server only
    /// needs `timeLimit` to give up on it.
    func plan(duration: Double?, timeLimit: Double) -> TestPlan {
        var options = [
            "slots": String(layout.slotCount), "slot_size": String(layout.slotSize),
            "inline": String(inlineSize), "stall": String(stallSeconds),
        ]
        if validate { options["validate"] = "1" }
        return TestPlan(kind: kind, streams: layout.qps, duration: duration ?? 0, size: layout.messageSize,
                        timeLimit: timeLimit, options: options)
    }

    init(verb: RDMAVerb, mode: RDMAMode, layout: BufferLayout, inlineSize: Int, validate: Bool, stallSeconds: Double) {
        self.verb = verb; self.mode = mode; self.layout = layout
        self.inlineSize = inlineSize; self.validate = validate; self.stallSeconds = stallSeconds
    }

    /// A server's reading of a client's plan, every bound checked before anything is allocated.
    init(plan: TestPlan) throws(BenchError) {
        func refuse(_ what: String) -> BenchError {
            BenchError(.usage, subject: plan.kind, what: what, next: "use an ibbench of the same release on both ends")
        }
        let words = plan.kind.split(separator: ".")
        guard words.count == 3, words[0] == "rdma", let verb = RDMAVerb(rawValue: String(words[1])),
              let mode = RDMAMode(rawValue: String(words[2])) else { throw refuse("not an RDMA test") }
        guard let slots = plan.options["slots"].flatMap({ Int($0) }), (1...8192).contains(slots),
              let slotSize = plan.options["slot_size"].flatMap({ Int($0) }),
              slotSize >= plan.size, slotSize <= RDMAOptions.maxSize + 64,
              let inline = plan.options["inline"].flatMap({ Int($0) }), (0...4096).contains(inline),
              let stall = plan.options["stall"].flatMap({ Double($0) }), stall > 0, stall <= 90_000 else {
            throw refuse("buffer layout missing or out of range")
        }
        guard (1...64).contains(plan.streams), mode == .bw || plan.streams == 1 else {
            throw refuse("\(plan.streams) queue pairs: bw takes 1 to 64, lat 1")
        }
        // 16 GiB of registered memory at most, whatever a client asks for.
        guard slots * slotSize * plan.streams <= 1 << 34 else { throw refuse("buffers over 16 GiB") }
        self.init(verb: verb, mode: mode,
                  layout: BufferLayout(qps: plan.streams, slotCount: slots, slotSize: slotSize, messageSize: plan.size),
                  inlineSize: inline, validate: plan.options["validate"] == "1", stallSeconds: stall)
    }
}
