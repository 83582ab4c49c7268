/// What the two ends tell each other through rdma_cm private data (the connect request carries
/// at most 56 bytes, the accept 196). Everything else (the test's parameters, the server's
/// half of the results) goes over the control connection. All integers little-endian, at fixed
/// offsets; a message that is short or has the wrong magic is refused.

/// Sent by the client with each QP's connect request: which accepted test it belongs to (the
/// session cookie the server gave on the control connection, after its token check) and where
/// this QP's latency replies go.
struct ConnectRequest: Equatable, Sendable {
    static let magic: UInt32 = 0x4942_4B52   // "IBKR"
    /// 3: the session cookie of the control protocol; 2 carried its own signed parameters.
    static let version: UInt8 = 3
    static let encodedSize = 40
    static let sessionSize = 16

    var session: [UInt8]
    var qpIndex: UInt8
    /// Where this QP's write-latency replies go (the client's target area) and its rkey.
    var replyAddress: UInt64
    var replyKey: UInt32

    func encoded() -> [UInt8] {
        var w = WireWriter()
        w.u32(Self.magic); w.u8(Self.version); w.u8(qpIndex); w.pad(to: 8)
        w.bytes += session.prefix(Self.sessionSize)
        w.pad(to: 8 + Self.sessionSize)
        w.u64(replyAddress); w.u32(replyKey); w.pad(to: Self.encodedSize)
        return w.bytes
    }

    /// Nil when the bytes are not an ibbench connect request of this version.
    init?(_ bytes: [UInt8]) {
        var r = WireReader(bytes)
        guard bytes.count >= Self.encodedSize, r.u32() == Self.magic, r.u8() == Self.version else { return nil }
        qpIndex = r.u8()
        session = Array(bytes[8 ..< 8 + Self.sessionSize])
        r.skip(to: 8 + Self.sessionSize)
        replyAddress = r.u64(); replyKey = r.u32()
    }

    init(session: [UInt8], qpIndex: UInt8, replyAddress: UInt64, replyKey: UInt32) {
        self.session = session; self.qpIndex = qpIndex; self.replyAddress = replyAddress; self.replyKey = replyKey
    }
}

/// The server's answer in the accept (or, with `status != 0`, the reject) private data.
struct ConnectReply: Equatable, Sendable {
    static let magic: UInt32 = 0x4942_4B41   // "IBKA"
    static let encodedSize = 24

    enum Status: UInt8, Sendable {
        case accepted = 0
        /// Not an ibbench request of this version, or for no test this server accepted.
        case badRequest = 1
        case noResources = 3
    }

    var status: Status
    /// This QP's target area on the server (what the client writes to or reads from) and its rkey.
    var targetAddress: UInt64
    var key: UInt32

    func encoded() -> [UInt8] {
        var w = WireWriter()
        w.u32(Self.magic); w.u8(status.rawValue); w.pad(to: 8)
        w.u64(targetAddress); w.u32(key); w.pad(to: Self.encodedSize)
        return w.bytes
    }

    init?(_ bytes: [UInt8]) {
        var r = WireReader(bytes)
        guard bytes.count >= 20, r.u32() == Self.magic, let status = Status(rawValue: r.u8()) else { return nil }
        self.status = status
        r.skip(to: 8)
        targetAddress = r.u64(); key = r.u32()
    }

    init(status: Status, targetAddress: UInt64 = 0, key: UInt32 = 0) {
        self.status = status; self.targetAddress = targetAddress; self.key = key
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
