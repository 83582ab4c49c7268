#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The IP addresses of the host's interfaces, by interface name, as
/// `address/prefix` strings. sysfs does not hold them; this asks the kernel.
///
/// C: `getifaddrs(3)`, `inet_ntop(3)`.
enum InterfaceAddresses {
    static func current() -> [String: [String]] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [:] }
        defer { freeifaddrs(head) }
        var result: [String: [String]] = [:]
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, let namePointer = entry.pointee.ifa_name else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            guard let text = numericHost(address, family: family) else { continue }
            let prefix = entry.pointee.ifa_netmask.map { prefixLength($0, family: family) } ?? 0
            result[String(cString: namePointer), default: []].append("\(text)/\(prefix)")
        }
        return result
    }

    private static func numericHost(_ address: UnsafeMutablePointer<sockaddr>, family: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok: Bool
        if family == AF_INET {
            ok = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                withUnsafePointer(to: sin.pointee.sin_addr) {
                    inet_ntop(family, $0, &buffer, socklen_t(buffer.count)) != nil
                }
            }
        } else {
            ok = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                withUnsafePointer(to: sin6.pointee.sin6_addr) {
                    inet_ntop(family, $0, &buffer, socklen_t(buffer.count)) != nil
                }
            }
        }
        return ok ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    private static func prefixLength(_ mask: UnsafeMutablePointer<sockaddr>, family: Int32) -> Int {
        let bytes = family == AF_INET ? 4 : 16
        let offset = family == AF_INET ? MemoryLayout<sockaddr_in>.offset(of: \.sin_addr)!
                                       : MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr)!
        let raw = UnsafeRawPointer(mask).advanced(by: offset)
        return (0..<bytes).reduce(0) { $0 + raw.load(fromByteOffset: $1, as: UInt8.self).nonzeroBitCount }
    }
}
