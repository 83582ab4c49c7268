#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import SystemPackage
import SystemCalls

/// The UDP sockets of a test's data path, made and joined the same way on both ends.
enum UDPSocket {
    /// An unconnected datagram socket bound to `address` (port 0: any). Kernel: socket, setsockopt, bind.
    static func bound(to address: SocketAddress, options: PreparedSocketOptions) throws(Errno) -> Socket {
        let s = Socket(adopting: try sys { socket(address.family, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0) })
        try options.apply(to: s.fd)
        _ = try sys { address.withSockaddr { sa, len in bind(s.fd, sa, len) } }
        return s
    }

    /// A datagram socket connected to `address`, with the client's options (`--window`, `--dev`,
    /// `--bind`) applied first. Kernel: socket, setsockopt, bind, connect.
    static func connected(to address: SocketAddress, options: PreparedSocketOptions) throws(Errno) -> Socket {
        let s = Socket(adopting: try sys { socket(address.family, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0) })
        try options.apply(to: s.fd)
        _ = try sys { address.withSockaddr { sa, len in connect(s.fd, sa, len) } }
        return s
    }

    /// The receive buffer as the kernel accounts it (twice what was asked, for its bookkeeping),
    /// or nil when it cannot be read. Kernel: getsockopt.
    static func receiveBufferBytes(_ fd: CInt) -> Int? {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &length) == 0, value > 0 else { return nil }
        return Int(value)
    }

    /// What a stream's receiving socket asks for when the client gave no --window: room for a
    /// 256 KiB batch to queue up while `ReceiveCoalescing` waits, four times over (the kernel
    /// doubles the request for its bookkeeping; the default 208 KiB holds three 64 KiB datagrams).
    static let streamReceiveBuffer = 1 << 20

    /// Asks for `streamReceiveBuffer`, which the kernel caps at net.core.rmem_max. Kernel: setsockopt.
    static func askForStreamReceiveBuffer(_ socket: borrowing Socket) throws(Errno) {
        try socket.setInt(SOL_SOCKET, SO_RCVBUF, CInt(streamReceiveBuffer))
    }

    /// Sets SO_RCVTIMEO. Kernel: setsockopt.
    static func setReceiveTimeout(_ fd: CInt, seconds: Double) throws(Errno) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        _ = try sys { setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size)) }
    }

    /// Waits up to `deadline` for a datagram; nil when none came. Kernel: poll, recvfrom.
    static func receive(_ fd: CInt, until deadline: Deadline, peek: Bool = false)
        throws(Errno) -> (bytes: [UInt8], from: SocketAddress)?
    {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard try sys({ poll(&p, 1, deadline.remainingMilliseconds) }) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: UDPWire.probeSize + 1)
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = try sys {
            withUnsafeMutablePointer(to: &storage) { sp in
                sp.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    recvfrom(fd, &buffer, buffer.count, peek ? CInt(MSG_PEEK) : 0, sa, &len)
                }
            }
        }
        let from = withUnsafeBytes(of: &storage) { SocketAddress(bytes: Array($0.prefix(Int(len)))) }
        return (Array(buffer.prefix(n)), from)
    }
}
