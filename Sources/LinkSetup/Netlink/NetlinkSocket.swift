import Glibc
import SystemPackage
import SystemCalls

/// A kernel refusal of one netlink request: the errno and, when the kernel
/// sends one (extended ACK), its own explanation.
public struct NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    public var errno: Errno
    public var message: String?

    public init(errno: Errno, message: String? = nil) {
        self.errno = errno
        self.message = message
    }

    /// `EINVAL: mtu greater than device maximum`, or just `EINVAL`.
    public var description: String {
        if let message, !message.isEmpty { return "\(errno.symbol): \(message)" }
        return errno.symbol
    }
}

/// An `AF_NETLINK`/`NETLINK_ROUTE` socket that sends one request at a time and
/// collects its replies up to the ACK (or `NLMSG_DONE` for dumps).
///
/// Every receive has a deadline (`SO_RCVTIMEO`): a kernel that never answers
/// ends as `ETIMEDOUT`, not as a hang.
struct NetlinkSocket: ~Copyable {
    private let fd: CInt
    private var sequence: UInt32
    private var buffer: [UInt8]

    /// Opens the socket in the calling thread's network namespace.
    ///
    /// Kernel: `socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)`, `NETLINK_EXT_ACK`, `NETLINK_CAP_ACK`.
    init(timeoutSeconds: Int = 5) throws(NetlinkError) {
        let fd: CInt
        do {
            fd = try sys { socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        } catch { throw NetlinkError(errno: error, message: "cannot open a netlink socket") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        var on: CInt = 1
        // Extended ACKs carry the kernel's reason text; capped ACKs leave the
        // request out of error replies. Both are optional: older kernels say ENOPROTOOPT.
        _ = setsockopt(fd, NL.solNetlink, NL.optExtAck, &on, socklen_t(MemoryLayout<CInt>.size))
        _ = setsockopt(fd, NL.solNetlink, NL.optCapAck, &on, socklen_t(MemoryLayout<CInt>.size))
        do {
            _ = try sys { setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) }
        } catch {
            close(fd)
            throw NetlinkError(errno: error, message: "cannot set a receive deadline")
        }
        self.fd = fd
        // Start from a clock-derived sequence so replies to an earlier socket
        // with the same port id can never be mistaken for ours.
        self.sequence = UInt32(truncatingIfNeeded: time(nil))
        self.buffer = [UInt8](repeating: 0, count: 65536)
    }

    deinit { close(fd) }

    /// Sends `request` with `NLM_F_ACK` and returns the reply messages that
    /// came before the ACK (or before `NLMSG_DONE` for dumps).
    mutating func roundTrip(_ request: NetlinkRequest) throws(NetlinkError) -> [NetlinkReply] {
        sequence &+= 1
        let expected = sequence
        let bytes = request.encoded(sequence: expected)
        let isDump = request.flags & NL.flagDump == NL.flagDump
        do {
            let sent = try sys { bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } }
            precondition(sent == bytes.count, "netlink send is all or nothing")
        } catch { throw NetlinkError(errno: error) }

        var replies: [NetlinkReply] = []
        while true {
            let received: Int
            do {
                received = try sys { buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
            } catch {
                if error.rawValue == EAGAIN {
                    throw NetlinkError(errno: Errno(rawValue: ETIMEDOUT), message: "the kernel did not answer in time")
                }
                throw NetlinkError(errno: error)
            }
            for message in NetlinkParse.messages(buffer[0..<received]) where message.sequence == expected {
                switch message.type {
                case NL.typeError:
                    let code = message.payload.integer(at: 0, as: Int32.self) ?? 0
                    if code == 0 { return replies }
                    throw NetlinkError(errno: Errno(rawValue: -code), message: Self.extendedMessage(message))
                case NL.typeDone:
                    if isDump { return replies }
                default:
                    replies.append(message)
                    // A single (non-dump) reply is followed by the ACK we asked for.
                }
            }
        }
    }

    /// The `NLMSGERR_ATTR_MSG` text of an error reply, if the kernel sent one.
    private static func extendedMessage(_ message: NetlinkReply) -> String? {
        guard message.flags & NL.flagAckTLVs != 0 else { return nil }
        // struct nlmsgerr: int error, then the offending header (capped: header only).
        let echoed = message.payload.integer(at: 4, as: UInt32.self).map(Int.init) ?? NL.headerSize
        let skip = 4 + (message.flags & NL.flagCapped != 0 ? NL.headerSize : NL.align(echoed))
        let attributes = NetlinkParse.attributes(message.payload.dropFirst(skip))
        return NetlinkParse.string(attributes[NL.errorAttrMessage])
    }
}
