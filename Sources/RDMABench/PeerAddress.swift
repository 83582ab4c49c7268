import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// A peer's IP address and port as a socket address, for rdma_cm to resolve to a device and GID.
struct PeerAddress {
    /// `sockaddr_in` or `sockaddr_in6` bytes.
    let bytes: [UInt8]
    /// `HOST:PORT` for messages.
    let label: String

    /// Resolves `host` (an IPv4/IPv6 address or a name) with getaddrinfo(3).
    init(host: String, port: UInt16) throws(RDMAError) {
        label = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let r = getaddrinfo(host, String(port), &hints, &list)
        guard r == 0, let first = list, let sa = first.pointee.ai_addr else {
            throw RDMAError(.addressResolution, label, "cannot resolve the address (\(String(cString: gai_strerror(r))))",
                            next: "give the peer's IPoIB or RoCE IP address")
        }
        defer { freeaddrinfo(list) }
        bytes = Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(sa), count: Int(first.pointee.ai_addrlen)))
    }

    /// The wildcard address on `port` (servers listening on every RDMA device).
    init(anyOn port: UInt16) {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        bytes = withUnsafeBytes(of: &sin) { Array($0) }
        label = "0.0.0.0:\(port)"
    }

    func withSockaddr<R>(_ body: (UnsafeMutablePointer<sockaddr>) -> R) -> R {
        var copy = bytes
        return copy.withUnsafeMutableBytes { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self)) }
    }
}
