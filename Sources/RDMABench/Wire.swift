import BenchCore

/// What the two ends tell each other through rdma_cm private data (the connect request carries
/// at most 56 bytes, the accept 196) and through the server's report area. All integers
/// little-endian, at fixed offsets; a message that is short or has the wrong magic is refused.

/// Sent by the client with each QP's connect request. Version 2 fills the 56 bytes: 48 of
/// request, then an 8-byte signature (see `RDMAAdmission`) that a server with a token checks.
struct ConnectRequest: Equatable, Sendable {
    static let magic: UInt32 = 0x4942_4B52   // "IBKR"
    static let version: UInt8 = 2
    static let encodedSize = 56
    /// The signed part: everything before the signature.
    static let signedSize = 48

    var verb: RDMAVerb
    var mode: RDMAMode
    var validate: Bool
    /// Random per client run: QPs with the same session belong together.
    var session: UInt32
    var qpIndex: UInt16
    var qpCount: UInt16
    /// Message slots per QP and bytes per slot: both ends lay out their buffers the same way.
    var slotCount: UInt32
    var slotSize: UInt32
    /// Bytes per message, and the largest message sent inline (the server's replies follow it).
    var messageSize: UInt32
    var inlineSize: UInt16
    /// Where this QP's write-latency replies go (the client's target area) and its rkey.
    var replyAddress: UInt64
    var replyKey: UInt32
    /// How long the server keeps the session before giving up on a silent client.
    var deadlineSeconds: UInt32
    /// When the client made the request (Unix seconds): a signature is good near that time only.
    var issuedAt: UInt32 = 0
    /// First 8 bytes of the HMAC over the signed part; zero without a token.
    var signature: UInt64 = 0

    /// The request, signed with `token` when there is one.
    func encoded(token: String? = nil) -> [UInt8] {
        var w = WireWriter()
        w.u32(Self.magic); w.u8(Self.version); w.u8(verb.code); w.u8(mode.code); w.u8(validate ? 1 : 0)
        w.u32(session); w.u8(UInt8(clamping: qpIndex)); w.u8(UInt8(clamping: qpCount))
        w.u32(slotCount); w.u32(slotSize); w.u32(messageSize); w.u64(replyAddress); w.u32(replyKey)
        w.u32(deadlineSeconds); w.u16(inlineSize); w.u32(issuedAt)
        w.u64(token.map { Self.signature(of: w.bytes, token: $0) } ?? 0)
        return w.bytes
    }

    /// The signature of a request's signed part.
    static func signature(of signed: some Collection<UInt8>, token: String) -> UInt64 {
        let mac = TokenProof.proof(token: token, nonce: Array(signed), label: "ibbench-rdma-v2")
        return mac.prefix(8).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// Nil when the bytes are not an ibbench connect request of this version.
    init?(_ bytes: [UInt8]) {
        var r = WireReader(bytes)
        guard bytes.count >= Self.encodedSize, r.u32() == Self.magic, r.u8() == Self.version,
              let verb = RDMAVerb(code: r.u8()), let mode = RDMAMode(code: r.u8()) else { return nil }
        self.verb = verb
        self.mode = mode
        validate = r.u8() != 0
        session = r.u32(); qpIndex = UInt16(r.u8()); qpCount = UInt16(r.u8())
        slotCount = r.u32(); slotSize = r.u32(); messageSize = r.u32(); replyAddress = r.u64(); replyKey = r.u32()
        deadlineSeconds = r.u32(); inlineSize = r.u16(); issuedAt = r.u32(); signature = r.u64()
    }

    init(verb: RDMAVerb, mode: RDMAMode, validate: Bool, session: UInt32, qpIndex: UInt16, qpCount: UInt16,
         slotCount: UInt32, slotSize: UInt32, messageSize: UInt32, inlineSize: UInt16,
         replyAddress: UInt64, replyKey: UInt32, deadlineSeconds: UInt32, issuedAt: UInt32 = 0) {
        self.verb = verb; self.mode = mode; self.validate = validate; self.session = session
        self.qpIndex = qpIndex; self.qpCount = qpCount; self.slotCount = slotCount; self.slotSize = slotSize
        self.messageSize = messageSize; self.inlineSize = inlineSize
        self.replyAddress = replyAddress; self.replyKey = replyKey; self.deadlineSeconds = deadlineSeconds
        self.issuedAt = issuedAt
    }
}

/// The server's answer in the accept (or, with `status != 0`, the reject) private data.
struct ConnectReply: Equatable, Sendable {
    static let magic: UInt32 = 0x4942_4B41   // "IBKA"
    static let encodedSize = 40

    enum Status: UInt8, Sendable {
        case accepted = 0, badRequest = 1, busy = 2, noResources = 3
        /// The server has a token and the request's signature is missing or wrong.
        case tokenRejected = 4
        /// The request was made too far from the server's time, or was seen before.
        case stale = 5
    }

    var status: Status
    /// This QP's target area on the server (what the client writes to or reads from) and its rkey.
    var targetAddress: UInt64
    var key: UInt32
    /// The server's report area (read by the client after the run).
    var reportAddress: UInt64

    func encoded() -> [UInt8] {
        var w = WireWriter()
        w.u32(Self.magic); w.u8(status.rawValue); w.pad(to: 8)
        w.u64(targetAddress); w.u32(key); w.pad(to: 24); w.u64(reportAddress)
        w.pad(to: Self.encodedSize)
        return w.bytes
    }

    init?(_ bytes: [UInt8]) {
        var r = WireReader(bytes)
        guard bytes.count >= 32, r.u32() == Self.magic, let status = Status(rawValue: r.u8()) else { return nil }
        self.status = status
        r.skip(to: 8)
        targetAddress = r.u64(); key = r.u32(); r.skip(to: 24); reportAddress = r.u64()
    }

    init(status: Status, targetAddress: UInt64 = 0, key: UInt32 = 0, reportAddress: UInt64 = 0) {
        self.status = status; self.targetAddress = targetAddress; self.key = key; self.reportAddress = reportAddress
    }
}

/// What the server measured, written into its report area once the client said the run ended.
struct ServerReport: Equatable, Sendable {
    static let magic: UInt32 = 0x4942_4B50   // "IBKP"
    static let encodedSize = 40

    /// Messages the server received (send tests) and how many failed `--validate`.
    var received: UInt64
    var corrupt: UInt64
    /// CPU time the server's data loop used, and the loop's wall time, in nanoseconds.
    var cpuNanos: UInt64
    var wallNanos: UInt64

    func encoded() -> [UInt8] {
        var w = WireWriter()
        w.u32(Self.magic); w.pad(to: 8); w.u64(received); w.u64(corrupt); w.u64(cpuNanos); w.u64(wallNanos)
        return w.bytes
    }

    init?(_ bytes: [UInt8]) {
        var r = WireReader(bytes)
        guard bytes.count >= Self.encodedSize, r.u32() == Self.magic else { return nil }
        r.skip(to: 8)
        received = r.u64(); corrupt = r.u64(); cpuNanos = r.u64(); wallNanos = r.u64()
    }

    init(received: UInt64, corrupt: UInt64, cpuNanos: UInt64, wallNanos: UInt64) {
        self.received = received; self.corrupt = corrupt; self.cpuNanos = cpuNanos; self.wallNanos = wallNanos
    }
}

/// Immediate data of the client's last send: "the run is over, write your report".
let endOfRunImmediate: UInt32 = 0x1BE0_0E0D

struct WireWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func pad(to n: Int) { while bytes.count < n { bytes.append(0) } }
}

/// Reads fixed-width little-endian integers; past the end it reads zeros (callers check the length first).
struct WireReader {
    let bytes: [UInt8]
    var at = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    mutating func u8() -> UInt8 { defer { at += 1 }; return at < bytes.count ? bytes[at] : 0 }
    mutating func u16() -> UInt16 { UInt16(u8()) | UInt16(u8()) << 8 }
    mutating func u32() -> UInt32 { UInt32(u16()) | UInt32(u16()) << 16 }
    mutating func u64() -> UInt64 { UInt64(u32()) | UInt64(u32()) << 32 }
    mutating func skip(to n: Int) { at = max(at, n) }
}
