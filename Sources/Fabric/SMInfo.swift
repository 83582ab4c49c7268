import SystemPackage
import OrderedJSON
import CRDMA
import SystemCalls

/// What the subnet manager says about itself (SMInfo attribute, IB spec
/// 14.2.5.13), as `sminfo` prints it.
public struct SMInfo: Hashable, Sendable {
    public enum State: Int, Sendable, CustomStringConvertible {
        case notActive = 0, discovering = 1, standby = 2, master = 3
        public var description: String {
            switch self {
            case .notActive: "NOTACTIVE"
            case .discovering: "DISCOVERING"
            case .standby: "STANDBY"
            case .master: "MASTER"
            }
        }
    }
    public var guid: GUID
    public var activityCount: UInt32
    public var priority: Int
    public var state: State?
}

/// The SMInfo query as a subnet management packet (LID-routed SMP, 256
/// bytes): the 24-byte common MAD header, M_Key and reserved bytes, then the
/// attribute data at offset 64.
enum SMInfoMAD {
    static let size = 256
    static let smiClass: UInt8 = 0x01        // LID-routed subnet management
    static let methodGet: UInt8 = 0x01
    static let methodGetResponse: UInt8 = 0x81
    static let attributeSMInfo: UInt16 = 0x0020
    static let dataOffset = 64

    static func request(transactionID: UInt32) -> [UInt8] {
        var mad = [UInt8](repeating: 0, count: size)
        mad[0] = 1                      // base version
        mad[1] = smiClass
        mad[2] = 1                      // class version
        mad[3] = methodGet
        // TID bytes 8..15; the kernel puts its agent id in the upper half.
        for i in 0..<4 { mad[12 + i] = UInt8(truncatingIfNeeded: transactionID >> (24 - 8 * i)) }
        mad[16] = UInt8(attributeSMInfo >> 8)
        mad[17] = UInt8(attributeSMInfo & 0xff)
        return mad
    }

    enum ParseError: Error, Equatable { case short, notAResponse, status(UInt16) }

    static func parse(_ mad: [UInt8]) -> Result<SMInfo, ParseError> {
        guard mad.count >= dataOffset + 21 else { return .failure(.short) }
        guard mad[1] == smiClass, mad[3] == methodGetResponse,
              UInt16(mad[16]) << 8 | UInt16(mad[17]) == attributeSMInfo else { return .failure(.notAResponse) }
        let status = (UInt16(mad[4]) << 8 | UInt16(mad[5])) & 0x7fff   // bit 15 is the D bit of directed routes
        guard status == 0 else { return .failure(.status(status)) }
        let d = dataOffset
        let guid = mad[d..<d + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let count = mad[d + 16..<d + 20].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return .success(SMInfo(guid: GUID(rawValue: guid), activityCount: count,
                               priority: Int(mad[d + 20] >> 4), state: SMInfo.State(rawValue: Int(mad[d + 20] & 0x0f))))
    }
}

/// The result of asking the SM of one port for its SMInfo.
public enum SMInfoQuery: Hashable, Sendable {
    case answered(SMInfo)
    /// Not asked or no answer, and why.
    case unavailable(String)

    /// Sends an SMInfo GET to the port's SM LID through libibumad and waits
    /// at most about 3 seconds (1 s timeout, 2 retries). Only InfiniBand
    /// ports with an SM LID are asked.
    ///
    /// C: `umad_open_port`, `umad_register`, `umad_send`, `umad_recv`.
    public static func ask(_ port: Port) -> SMInfoQuery {
        guard port.isInfiniBand else { return .unavailable("RoCE port: no subnet management") }
        guard let smLID = port.smLID, smLID != 0 else { return .unavailable("no SM LID to ask") }
        guard umad_init() == 0 else { return .unavailable("libibumad could not initialise (is ib_umad loaded?)") }
        let fd = umad_open_port(port.device, Int32(port.number))
        guard fd >= 0 else {
            return .unavailable("cannot open the umad device (\(errnoText(-fd))); run as root, modprobe ib_umad")
        }
        defer { umad_close_port(fd) }
        let agent = umad_register(fd, Int32(SMInfoMAD.smiClass), 1, 0, nil)
        guard agent >= 0 else { return .unavailable("cannot register an SMI agent (\(errnoText(-agent)))") }
        defer { umad_unregister(fd, agent) }

        let bufferSize = Int(umad_size()) + SMInfoMAD.size
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: bufferSize)
        let request = SMInfoMAD.request(transactionID: UInt32.random(in: 1...UInt32.max))
        request.withUnsafeBytes { umad_get_mad(buffer).copyMemory(from: $0.baseAddress!, byteCount: SMInfoMAD.size) }
        _ = umad_set_addr(buffer, Int32(smLID), 0, 0, 0)
        let sent = umad_send(fd, agent, buffer, Int32(SMInfoMAD.size), 1000, 2)
        guard sent >= 0 else { return .unavailable("sending the SMInfo query failed (\(errnoText(-sent)))") }
        var length = Int32(SMInfoMAD.size)
        let received = umad_recv(fd, buffer, &length, 3500)
        guard received >= 0 else { return .unavailable("no SMInfo answer from LID \(hex(smLID, width: 0)) (\(errnoText(-received)))") }
        guard umad_status(buffer) == 0 else {
            return .unavailable("no SMInfo answer from LID \(hex(smLID, width: 0)) (\(errnoText(umad_status(buffer))))")
        }
        let mad = [UInt8](UnsafeRawBufferPointer(start: umad_get_mad(buffer), count: SMInfoMAD.size))
        switch SMInfoMAD.parse(mad) {
        case .success(let info): return .answered(info)
        case .failure(let error): return .unavailable("unexpected SMInfo answer (\(error))")
        }
    }

    private static func errnoText(_ code: Int32) -> String {
        Errno(rawValue: code).symbol
    }
}

extension SMInfoQuery {
    /// SMInfo for a port of `snapshot`: asked over umad on the live host when
    /// an SM serves the port; otherwise the reason it was not asked.
    public static func forPort(_ port: Port, in snapshot: FabricSnapshot) -> SMInfoQuery {
        guard snapshot.root == "/" else { return .unavailable("not queried: a captured sysfs tree") }
        guard PortSubnetManager(judging: port).presence == .serving else {
            return .unavailable("not queried: no subnet manager serves the port")
        }
        return ask(port)
    }

    var json: JSONValue {
        switch self {
        case .answered(let info):
            .object([("answered", .bool(true)), ("guid", .string(info.guid.hexString)),
                     ("priority", .int(info.priority)), ("state", .optional(info.state?.description)),
                     ("activity_count", .int(Int(info.activityCount))), ("reason", .null)])
        case .unavailable(let reason):
            .object([("answered", .bool(false)), ("guid", .null), ("priority", .null), ("state", .null),
                     ("activity_count", .null), ("reason", .string(reason))])
        }
    }

    /// `SM guid 0x..., priority 0, MASTER` or `SMInfo: <reason>`.
    var line: String {
        switch self {
        case .answered(let info):
            "SM guid \(info.guid.hexString), priority \(info.priority), \(info.state?.description ?? "state unknown")"
        case .unavailable(let reason):
            "SMInfo: \(reason)"
        }
    }
}
