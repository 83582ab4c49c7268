#if canImport(Glibc)
import Glibc
#endif
import SystemPackage
import SystemCalls

/// A TCP socket descriptor and its sole owner: closed when the value ends.
package struct Socket: ~Copyable {
    package let fd: CInt

    package init(adopting fd: CInt) { self.fd = fd }

    deinit { Glibc.close(fd) }

    /// Gives up ownership: the caller must close the returned descriptor.
    package consuming func release() -> CInt {
        let f = fd
        discard self
        return f
    }

    /// A listening socket on `address` (SO_REUSEADDR, backlog 128), bound to `device` when
    /// given. Kernel: socket, setsockopt, bind, listen.
    package static func listen(on address: SocketAddress, device: String?) throws(Errno) -> Socket {
        try listen(on: address, options: PreparedSocketOptions(SocketOptions(device: device)))
    }

    /// A listening socket on `address` with `options` set before `bind`. Accepted connections
    /// inherit its buffers, and only a buffer set before the handshake sizes the window scale
    /// and clamp it agrees. Kernel: socket, setsockopt, bind, listen.
    package static func listen(on address: SocketAddress, options: PreparedSocketOptions) throws(Errno) -> Socket {
        let s = Socket(adopting: try sys { socket(address.family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0) })
        try s.setInt(SOL_SOCKET, SO_REUSEADDR, 1)
        try options.apply(to: s.fd)
        _ = try sys { address.withSockaddr { sa, len in bind(s.fd, sa, len) } }
        _ = try sys { Glibc.listen(s.fd, 128) }
        return s
    }

    /// A test's data socket on the server: `open` on `bind` (`serve --bind`), else on every
    /// address: "::", which takes IPv4 clients too (as v4-mapped addresses), or "0.0.0.0"
    /// where the host has no IPv6.
    package static func onServerAddress(bind: String?, _ open: (SocketAddress) throws(Errno) -> Socket) throws(Errno) -> Socket {
        if let bind, let address = try? SocketAddress.resolve(bind, port: 0, passive: true) {
            return try open(address)
        }
        do {
            return try open(try! SocketAddress.resolve("::", port: 0, passive: true))
        } catch where error == .addressFamilyNotSupported {
            return try open(try! SocketAddress.resolve("0.0.0.0", port: 0, passive: true))
        }
    }

    /// Accepts one connection; nil when the deadline passes first. Kernel: poll, accept, fcntl(FD_CLOEXEC).
    package func accept(until deadline: Deadline) throws(Errno) -> Socket? {
        guard try waitReadable(until: deadline) else { return nil }
        do throws(Errno) {
            // Glibc's module does not export accept4; nothing here forks between the two calls.
            let s = Socket(adopting: try sys { Glibc.accept(fd, nil, nil) })
            _ = try sys { fcntl(s.fd, F_SETFD, FD_CLOEXEC) }
            return s
        } catch {
            // The connection went away between poll and accept: nothing to serve.
            if error == .resourceTemporarilyUnavailable || error.rawValue == ECONNABORTED { return nil }
            throw error
        }
    }

    /// Connects to `address` by `deadline`, with `options` applied before the handshake (window,
    /// MSS, congestion control, device, local address). Kernel: socket, setsockopt, connect, poll.
    package static func connect(to address: SocketAddress, options: SocketOptions, until deadline: Deadline)
        throws(Errno) -> Socket
    {
        let s = Socket(adopting: try sys { socket(address.family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0) })
        try options.applyBeforeConnect(to: s)
        let flags = try sys { fcntl(s.fd, F_GETFL) }
        _ = try sys { fcntl(s.fd, F_SETFL, flags | O_NONBLOCK) }
        do throws(Errno) {
            // Not retried on EINTR: an interrupted connect goes on in the background, like EINPROGRESS.
            _ = try sys(retryOnInterrupt: false) { address.withSockaddr { sa, len in Glibc.connect(s.fd, sa, len) } }
        } catch where error == .nowInProgress || error == .interrupted {
            var p = pollfd(fd: s.fd, events: Int16(POLLOUT), revents: 0)
            while true {
                let n = try sys { poll(&p, 1, deadline.remainingMilliseconds) }
                if n > 0 { break }
                if deadline.hasPassed { throw Errno.timedOut }
            }
            let err = try s.getInt(SOL_SOCKET, SO_ERROR)
            if err != 0 { throw Errno(rawValue: err) }
        }
        _ = try sys { fcntl(s.fd, F_SETFL, flags) }
        try options.applyAfterConnect(to: s)
        return s
    }

    /// True when readable (or at EOF/error) before the deadline. Kernel: poll.
    package func waitReadable(until deadline: Deadline) throws(Errno) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let n = try sys { poll(&p, 1, deadline.remainingMilliseconds) }
            if n > 0 { return true }
            if deadline.hasPassed { return false }
        }
    }

    package enum Readiness { case readable, woken, timedOut }

    /// `waitReadable(until:)` that also ends when `wakeup` is signalled. A readable socket
    /// comes first: the wake-up stays pending for the next wait. Kernel: poll.
    package func waitReadable(until deadline: Deadline, or wakeup: Wakeup) throws(Errno) -> Readiness {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeup.fd, events: Int16(POLLIN), revents: 0)]
        while true {
            let n = try sys { poll(&fds, 2, deadline.remainingMilliseconds) }
            if n > 0 { return fds[0].revents != 0 ? .readable : .woken }
            if deadline.hasPassed { return .timedOut }
        }
    }

    /// Writes all of `bytes`, by the deadline. Kernel: poll, send(MSG_NOSIGNAL).
    package func writeAll(_ bytes: [UInt8], until deadline: Deadline) throws(Errno) {
        var off = 0
        while off < bytes.count {
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard try sys({ poll(&p, 1, deadline.remainingMilliseconds) }) > 0 else { throw Errno.timedOut }
            do throws(Errno) {
                off += try sys {
                    bytes.withUnsafeBytes { raw in
                        send(fd, raw.baseAddress! + off, raw.count - off, CInt(MSG_NOSIGNAL) | CInt(MSG_DONTWAIT))
                    }
                }
            } catch where error == .resourceTemporarilyUnavailable {
                continue  // the send buffer filled up again after poll said writable: wait again
            }
        }
    }

    /// Reads what is there (at most `max` bytes), waiting until the deadline; [] at EOF, nil on
    /// timeout. Kernel: poll, recv.
    package func readSome(max: Int = 65536, until deadline: Deadline) throws(Errno) -> [UInt8]? {
        guard try waitReadable(until: deadline) else { return nil }
        var buf = [UInt8](repeating: 0, count: max)
        while true {
            do throws(Errno) {
                let n = try sys { buf.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress, raw.count, CInt(MSG_DONTWAIT)) } }
                return Array(buf[0..<n])
            } catch where error == .resourceTemporarilyUnavailable {
                // poll said readable but nothing was there (a segment dropped for a bad checksum)
                guard try waitReadable(until: deadline) else { return nil }
            }
        }
    }

    package func setInt(_ level: CInt, _ name: CInt, _ value: CInt) throws(Errno) {
        var v = value
        _ = try sys { setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<CInt>.size)) }
    }

    package func getInt(_ level: CInt, _ name: CInt) throws(Errno) -> CInt {
        var v: CInt = 0
        var len = socklen_t(MemoryLayout<CInt>.size)
        _ = try sys { getsockopt(fd, level, name, &v, &len) }
        return v
    }

    /// `HOST:PORT` of the connected peer, for logs; "?" when the kernel cannot say. Kernel: getpeername.
    package func peerDescription() -> String {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in getpeername(fd, sa, &len) }
        }
        guard rc == 0 else { return "?" }
        return withUnsafeBytes(of: &storage) { SocketAddress(bytes: Array($0.prefix(Int(len)))).description }
    }

    /// The local port (after bind with port 0).
    package func localPort() throws(Errno) -> UInt16 {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try sys {
            withUnsafeMutablePointer(to: &storage) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in getsockname(fd, sa, &len) }
            }
        }
        return withUnsafePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }
}
