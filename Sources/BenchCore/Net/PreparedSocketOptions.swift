#if canImport(Glibc)
import Glibc
#endif
import SystemPackage
import SystemCalls

/// `SocketOptions` made ready to apply to many sockets without allocating: the congestion
/// control and device names already as bytes, the local address already resolved. `crr`
/// applies them to every per-transaction connection inside its timed loop; `Socket.connect`
/// applies them the same way to the long-lived connections of the other modes.
package struct PreparedSocketOptions: Sendable {
    private let window: CInt?
    private let mss: CInt?
    private let noDelay: Bool
    private let congestion: [UInt8]?
    private let device: [UInt8]?
    private let local: SocketAddress?

    /// For a client socket: every option; resolves `--bind` (EADDRNOTAVAIL when it names no
    /// address of this host).
    package init(_ options: SocketOptions) throws(Errno) {
        var local: SocketAddress?
        if let bind = options.bindAddress {
            guard let address = try? SocketAddress.resolve(bind, port: 0, passive: true) else {
                throw Errno.addressNotAvailable
            }
            local = address
        }
        self.init(options, mss: options.mss, device: options.device, local: local)
    }

    /// For an accepted server-side socket: everything but MSS, device and local address, which
    /// belong to the listener and the client.
    package init(accepted options: SocketOptions) {
        self.init(options, mss: nil, device: nil, local: nil)
    }

    private init(_ options: SocketOptions, mss: Int?, device: String?, local: SocketAddress?) {
        window = options.window.map { CInt($0) }
        self.mss = mss.map { CInt($0) }
        noDelay = options.noDelay
        congestion = options.congestion.map { Array($0.utf8) }
        self.device = device.map { Array($0.utf8) }
        self.local = local
    }

    /// Every option given. On a client socket, before connect: the window scale is fixed in
    /// the handshake, and device and local address decide the route. Kernel: setsockopt, bind.
    package func apply(to fd: CInt) throws(Errno) {
        if let window {
            try Self.setInt(fd, SOL_SOCKET, SO_SNDBUF, window)
            try Self.setInt(fd, SOL_SOCKET, SO_RCVBUF, window)
        }
        if let mss { try Self.setInt(fd, CInt(IPPROTO_TCP), TCP_MAXSEG, mss) }
        if let congestion { try Self.setBytes(fd, CInt(IPPROTO_TCP), TCP_CONGESTION, congestion) }
        if let device { try Self.setBytes(fd, SOL_SOCKET, SO_BINDTODEVICE, device) }
        if let local { _ = try sys { local.withSockaddr { sa, len in bind(fd, sa, len) } } }
        try applyAfterConnect(to: fd)
    }

    /// TCP_NODELAY, which may as well be set again once connected. Kernel: setsockopt.
    package func applyAfterConnect(to fd: CInt) throws(Errno) {
        if noDelay { try Self.setInt(fd, CInt(IPPROTO_TCP), TCP_NODELAY, 1) }
    }

    private static func setInt(_ fd: CInt, _ level: CInt, _ name: CInt, _ value: CInt) throws(Errno) {
        var v = value
        _ = try sys { setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<CInt>.size)) }
    }

    private static func setBytes(_ fd: CInt, _ level: CInt, _ name: CInt, _ bytes: [UInt8]) throws(Errno) {
        _ = try sys { bytes.withUnsafeBytes { setsockopt(fd, level, name, $0.baseAddress, socklen_t($0.count)) } }
    }
}
