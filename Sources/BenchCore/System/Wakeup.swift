#if canImport(Glibc)
import Glibc
#endif
import SystemPackage
import SystemCalls

/// A descriptor that any thread can make readable, so that a thread sleeping in poll(2) on a
/// socket wakes for it too: the client's control wait ends the moment its data threads do,
/// instead of on its next timeout. A socket pair, since Glibc's module has neither eventfd
/// nor pipe2, and a plain pipe would take its close-on-exec flag a call later.
/// Kernel: socketpair, send, recv.
package final class Wakeup: Sendable {
    /// Readable while a signal is pending.
    package let fd: CInt
    private let sender: CInt

    package init() throws(Errno) {
        var pair: [CInt] = [-1, -1]
        _ = try sys {
            socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue),
                       0, &pair)
        }
        fd = pair[0]
        sender = pair[1]
    }

    deinit {
        close(fd)
        close(sender)
    }

    /// Makes `fd` readable. Never blocks: when the socket's buffer is full, a signal is
    /// pending anyway.
    package func signal() {
        var byte: UInt8 = 1
        _ = send(sender, &byte, 1, CInt(MSG_DONTWAIT) | CInt(MSG_NOSIGNAL))
    }

    /// Takes every pending signal, so that `fd` is readable again only for a later one. The
    /// caller looks at what it was woken for after this, not before, or a signal sent in
    /// between would be lost.
    package func drain() {
        var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &bytes, { recv(fd, $0.baseAddress, $0.count, CInt(MSG_DONTWAIT)) }) > 0 {}
    }
}
