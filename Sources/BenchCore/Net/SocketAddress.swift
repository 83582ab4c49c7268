#if canImport(Glibc)
import Glibc
#endif
import SystemPackage
import SystemCalls

/// An IPv4 or IPv6 socket address, resolved from a host name or literal.
package struct SocketAddress: Sendable, CustomStringConvertible {
    private let storage: [UInt8]
    package let family: CInt

    /// Resolves `host` (name, IPv4 or IPv6 literal) and `port`. Kernel-free: getaddrinfo.
    package static func resolve(_ host: String, port: UInt16, passive: Bool = false) throws(BenchError) -> SocketAddress {
        var hints = addrinfo()
        hints.ai_socktype = CInt(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        if passive { hints.ai_flags = AI_PASSIVE }
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else {
            throw BenchError(.usage, subject: host, what: "cannot resolve (\(String(cString: gai_strerror(rc))))",
                             next: "give an IP address or a name this host can resolve")
        }
        defer { freeaddrinfo(res) }
        let bytes = Array(UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        return SocketAddress(storage: bytes, family: first.pointee.ai_family)
    }

    /// The port, from `sin_port`/`sin6_port` (the same offset in both layouts, big-endian).
    package var port: UInt16 { UInt16(storage[2]) << 8 | UInt16(storage[3]) }

    /// The same address with another port.
    package func with(port: UInt16) -> SocketAddress {
        var s = storage
        // sin_port and sin6_port sit at the same offset (2) in both layouts, big-endian.
        s[2] = UInt8(port >> 8)
        s[3] = UInt8(port & 0xff)
        return SocketAddress(storage: s, family: family)
    }

    /// The address in `bytes`, a `sockaddr_in` or `sockaddr_in6` as the kernel wrote it.
    package init(bytes: [UInt8]) {
        var family: sa_family_t = 0
        withUnsafeMutableBytes(of: &family) { $0.copyBytes(from: bytes.prefix(MemoryLayout<sa_family_t>.size)) }
        self.init(storage: bytes, family: CInt(family))
    }

    private init(storage: [UInt8], family: CInt) {
        self.storage = storage
        self.family = family
    }

    package func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        // Borrows the bytes in place (no copy), so the crr loop can connect without allocating.
        storage.withUnsafeBytes { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }

    package var description: String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var serv = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let rc = withSockaddr { sa, len in
            getnameinfo(sa, len, &host, socklen_t(host.count), &serv, socklen_t(serv.count), NI_NUMERICHOST | NI_NUMERICSERV)
        }
        guard rc == 0 else { return "?" }
        let h = Self.string(fromNulTerminated: host), p = Self.string(fromNulTerminated: serv)
        return family == AF_INET6 ? "[\(h)]:\(p)" : "\(h):\(p)"
    }

    private static func string(fromNulTerminated chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Socket settings of a test's data connections (`--window`, `--nodelay`, `--mss`,
/// `--congestion`, `--dev`, `--bind`), applied the same way on both ends where they matter.
package struct SocketOptions: Sendable, Equatable {
    package var window: Int?
    package var noDelay = false
    package var mss: Int?
    package var congestion: String?
    package var device: String?
    package var bindAddress: String?

    /// Socket buffer sizes (SO_SNDBUF/SO_RCVBUF): 1 byte to 1 GiB.
    package static let windowRange = 1...(1 << 30)
    /// TCP_MAXSEG: what Linux accepts (TCP_MIN_MSS to MAX_TCP_WINDOW).
    package static let mssRange = 88...32_767

    /// What is wrong with the socket settings of a plan, which comes from the peer: a window
    /// or MSS that is not a number in range would otherwise trap on its way to setsockopt,
    /// or be dropped without a word.
    package static func planProblem(_ plan: [String: String]) -> String? {
        for (key, range) in [("window", windowRange), ("mss", mssRange)] {
            if let text = plan[key], !(Int(text).map(range.contains) ?? false) {
                return "\(key) '\(text)' outside \(range.lowerBound)…\(range.upperBound)"
            }
        }
        return nil
    }

    package init(window: Int? = nil, noDelay: Bool = false, mss: Int? = nil, congestion: String? = nil,
         device: String? = nil, bindAddress: String? = nil) {
        self.window = window
        self.noDelay = noDelay
        self.mss = mss
        self.congestion = congestion
        self.device = device
        self.bindAddress = bindAddress
    }

    /// From a plan's `options` (the server side).
    package init(plan: [String: String]) {
        window = plan["window"].flatMap { Int($0) }
        noDelay = plan["nodelay"] == "1"
        mss = plan["mss"].flatMap { Int($0) }
        congestion = plan["congestion"]
    }

    /// The part of these options the server applies too.
    package var planOptions: [String: String] {
        var o: [String: String] = [:]
        if let window { o["window"] = String(window) }
        if noDelay { o["nodelay"] = "1" }
        if let mss { o["mss"] = String(mss) }
        if let congestion { o["congestion"] = congestion }
        return o
    }

    /// Everything, before the handshake. Kernel: setsockopt, bind.
    package func applyBeforeConnect(to s: borrowing Socket) throws(Errno) {
        try PreparedSocketOptions(self).apply(to: s.fd)
    }

    package func applyAfterConnect(to s: borrowing Socket) throws(Errno) {
        if noDelay { try s.setInt(CInt(IPPROTO_TCP), TCP_NODELAY, 1) }
    }

}
