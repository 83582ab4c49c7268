#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The messages of the control protocol (docs/control-protocol.md). Every connection to the
/// server starts with the client's `hello` (a control connection) or `attach` (a data
/// connection of an accepted test).
public enum ControlMessage: Equatable, Sendable {
    /// client → server: opens a control connection.
    case hello(software: String)
    /// server → client: a fresh nonce; `tokenRequired` says whether the proof must be keyed.
    case challenge(nonce: [UInt8], tokenRequired: Bool)
    /// client → server: HMAC-SHA-256(token, nonce ‖ label); empty without a token.
    case auth(proof: [UInt8])
    /// server → client: authenticated; send `setup`.
    case welcome
    /// client → server: the test to run.
    case setup(TestPlan)
    /// server → client: test made; data connections attach with `session`; `info` carries what
    /// a transport needs to connect its data path (RDMA: port, GID).
    case accepted(session: [UInt8], info: [String: String])
    /// client → server, first message of a data connection.
    case attach(session: [UInt8], stream: Int)
    /// server → client: every data connection is in; send `start`.
    case ready
    /// client → server: go.
    case start
    /// client → server: the client's data threads are done; send your half of the results.
    case finished
    /// client → server: abandon the test now.
    case stop
    /// server → client: the server's half of the results, a subunit v2 byte stream. Last message.
    case results(subunit: [UInt8])
    /// rank → mesh coordinator, after `welcome`: this process is rank `rank`, on `host`.
    case join(rank: Int, host: String)
    /// mesh coordinator → rank: the run's hosts, seed and schedule (a JSON document of the mesh).
    case meshPlan(json: [UInt8])
    /// mesh coordinator → the client rank of a link: run this link's tests now (JSON document).
    case runPair(json: [UInt8])
    /// rank → mesh coordinator: what a `runPair` measured (JSON document).
    case pairResult(json: [UInt8])
    /// mesh coordinator → rank: the run is over; `status` is the run's exit status. Last message.
    case done(status: Int)
    /// server → client: at its client limit; try later. Last message.
    case busy(String)
    /// either way: what went wrong, one line. Last message.
    case error(String)

    /// Wire type byte (docs/control-protocol.md, "Message types").
    public var typeCode: UInt8 {
        switch self {
        case .hello: 1
        case .challenge: 2
        case .auth: 3
        case .welcome: 4
        case .setup: 5
        case .accepted: 6
        case .attach: 7
        case .ready: 8
        case .start: 9
        case .finished: 10
        case .stop: 11
        case .results: 12
        case .join: 20
        case .meshPlan: 21
        case .runPair: 22
        case .pairResult: 23
        case .done: 24
        case .busy: 0x7E
        case .error: 0x7F
        }
    }

    public var name: String {
        switch self {
        case .hello: "hello"
        case .challenge: "challenge"
        case .auth: "auth"
        case .welcome: "welcome"
        case .setup: "setup"
        case .accepted: "accepted"
        case .attach: "attach"
        case .ready: "ready"
        case .start: "start"
        case .finished: "finished"
        case .stop: "stop"
        case .results: "results"
        case .join: "join"
        case .meshPlan: "plan"
        case .runPair: "run-pair"
        case .pairResult: "pair-result"
        case .done: "done"
        case .busy: "busy"
        case .error: "error"
        }
    }
}

/// Frame layout, 8-byte header then payload:
/// `'i' 'b' VERSION TYPE LENGTH(u32 big-endian)` · payload (JSON object, raw bytes or UTF-8 text).
public enum ControlFrame {
    public static let version: UInt8 = 1
    public static let magic: (UInt8, UInt8) = (0x69, 0x62)   // "ib"
    public static let headerSize = 8
    /// No message needs more; a bigger length means a broken or hostile peer.
    public static let maxPayload = 1 << 20

    private struct Hello: Codable { var software: String }
    private struct Challenge: Codable { var nonce: String; var tokenRequired: Bool }
    private struct Auth: Codable { var proof: String }
    private struct Accepted: Codable { var session: String; var info: [String: String] }
    private struct Attach: Codable { var session: String; var stream: Int }
    private struct Join: Codable { var rank: Int; var host: String }
    private struct Done: Codable { var status: Int }

    /// Encodes `message` as one frame.
    public static func encode(_ message: ControlMessage) -> [UInt8] {
        let payload: [UInt8]
        let json = JSONEncoder()
        json.outputFormatting = [.sortedKeys]
        func j(_ v: some Encodable) -> [UInt8] { (try? Array(json.encode(v))) ?? [] }   // plain structs cannot fail
        switch message {
        case .hello(let s): payload = j(Hello(software: s))
        case .challenge(let n, let t): payload = j(Challenge(nonce: Hex.encode(n), tokenRequired: t))
        case .auth(let p): payload = j(Auth(proof: Hex.encode(p)))
        case .setup(let plan): payload = j(plan)
        case .accepted(let s, let info): payload = j(Accepted(session: Hex.encode(s), info: info))
        case .attach(let s, let n): payload = j(Attach(session: Hex.encode(s), stream: n))
        case .results(let bytes): payload = bytes
        case .join(let rank, let host): payload = j(Join(rank: rank, host: host))
        case .meshPlan(let json), .runPair(let json), .pairResult(let json): payload = json
        case .done(let status): payload = j(Done(status: status))
        case .busy(let text), .error(let text): payload = Array(text.utf8)
        case .welcome, .ready, .start, .finished, .stop: payload = []
        }
        let n = UInt32(payload.count)
        return [magic.0, magic.1, version, message.typeCode,
                UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + payload
    }

    /// Decodes one frame's payload given its header type; nil when the payload does not parse.
    static func decode(type: UInt8, payload: [UInt8]) -> ControlMessage? {
        let json = JSONDecoder()
        func j<T: Decodable>(_ t: T.Type) -> T? { try? json.decode(t, from: Data(payload)) }
        switch type {
        case 1: return j(Hello.self).map { .hello(software: $0.software) }
        case 2: return j(Challenge.self).flatMap { c in Hex.decode(c.nonce).map { .challenge(nonce: $0, tokenRequired: c.tokenRequired) } }
        case 3: return j(Auth.self).flatMap { a in Hex.decode(a.proof).map { .auth(proof: $0) } }
        case 4: return payload.isEmpty ? .welcome : nil
        case 5: return j(TestPlan.self).map { .setup($0) }
        case 6: return j(Accepted.self).flatMap { a in Hex.decode(a.session).map { .accepted(session: $0, info: a.info) } }
        case 7: return j(Attach.self).flatMap { a in Hex.decode(a.session).map { .attach(session: $0, stream: a.stream) } }
        case 8: return payload.isEmpty ? .ready : nil
        case 9: return payload.isEmpty ? .start : nil
        case 10: return payload.isEmpty ? .finished : nil
        case 11: return payload.isEmpty ? .stop : nil
        case 12: return .results(subunit: payload)
        case 20: return j(Join.self).map { .join(rank: $0.rank, host: $0.host) }
        // The mesh's documents are parsed by the mesh; here they need only be JSON objects.
        case 21: return isJSONObject(payload) ? .meshPlan(json: payload) : nil
        case 22: return isJSONObject(payload) ? .runPair(json: payload) : nil
        case 23: return isJSONObject(payload) ? .pairResult(json: payload) : nil
        case 24: return j(Done.self).map { .done(status: $0.status) }
        case 0x7E: return .busy(String(decoding: payload, as: UTF8.self))
        case 0x7F: return .error(String(decoding: payload, as: UTF8.self))
        default: return nil
        }
    }
}

/// Whether `payload` looks like a JSON object (`{…}`), which every mesh document is; the
/// mesh decodes it fully and answers a document it cannot read with `error`.
private func isJSONObject(_ payload: [UInt8]) -> Bool {
    let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
    return payload.first { !space.contains($0) } == UInt8(ascii: "{")
        && payload.last { !space.contains($0) } == UInt8(ascii: "}")
}

/// Incremental frame decoder: feed bytes as they arrive; `next()` returns nil until a whole
/// frame is in. Anything malformed is an event, after which the connection must be closed.
public struct ControlFrameDecoder: Sendable {
    public enum Event: Equatable, Sendable {
        case message(ControlMessage)
        /// The peer speaks another protocol version; `text` is its error/busy text if it sent one.
        case versionMismatch(peerVersion: UInt8, text: String?)
        /// Not our protocol, an unknown type, a payload over the limit or one that does not parse.
        case invalid(String)
    }

    private var buffer: [UInt8] = []
    private var failed = false

    public init() {}

    /// Bytes buffered but not yet decoded.
    public var pendingCount: Int { buffer.count }

    public mutating func feed(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// Hands back the bytes after the last decoded frame (a data connection's first payload).
    public mutating func takeRemaining() -> [UInt8] {
        defer { buffer.removeAll() }
        return buffer
    }

    public mutating func next() -> Event? {
        guard !failed else { return nil }
        if buffer.count >= 2, buffer[0] != ControlFrame.magic.0 || buffer[1] != ControlFrame.magic.1 {
            return fail("not an ibbench control frame (first bytes \(Hex.encode(Array(buffer.prefix(4)))))")
        }
        guard buffer.count >= ControlFrame.headerSize else { return nil }
        let version = buffer[2], type = buffer[3]
        let length = Int(buffer[4]) << 24 | Int(buffer[5]) << 16 | Int(buffer[6]) << 8 | Int(buffer[7])
        guard length <= ControlFrame.maxPayload else {
            return fail("frame of \(length) bytes exceeds the \(ControlFrame.maxPayload)-byte limit")
        }
        guard buffer.count >= ControlFrame.headerSize + length else { return nil }
        let payload = Array(buffer[ControlFrame.headerSize ..< ControlFrame.headerSize + length])
        buffer.removeFirst(ControlFrame.headerSize + length)
        if version != ControlFrame.version {
            failed = true
            let text = (type == 0x7E || type == 0x7F) ? String(decoding: payload, as: UTF8.self) : nil
            return .versionMismatch(peerVersion: version, text: text)
        }
        guard let message = ControlFrame.decode(type: type, payload: payload) else {
            return fail("malformed control message (type \(type), \(length) bytes)")
        }
        return .message(message)
    }

    private mutating func fail(_ why: String) -> Event {
        failed = true
        buffer.removeAll()
        return .invalid(why)
    }
}
