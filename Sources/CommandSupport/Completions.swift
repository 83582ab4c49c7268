import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// What the shell offers after an option that names a device: what this host has now,
/// read from sysfs when the user presses tab (ArgumentParser's custom completion).
public enum Completions {
    /// Network interfaces (`--dev`).
    public static let networkInterfaces = CompletionKind.custom { _, _, prefix in
        matching(prefix, names(in: "/sys/class/net"))
    }

    /// RDMA devices (`--ib-dev`, `ibsetup counters`).
    public static let rdmaDevices = CompletionKind.custom { _, _, prefix in
        matching(prefix, names(in: "/sys/class/infiniband"))
    }

    /// IPoIB interfaces: the network interfaces of link type 32 (ARPHRD_INFINIBAND).
    public static let ipoibInterfaces = CompletionKind.custom { _, _, prefix in
        matching(prefix, ipoib())
    }

    /// IPoIB interfaces and RDMA devices (`ibsetup status TARGET`).
    public static let interfacesAndDevices = CompletionKind.custom { _, _, prefix in
        matching(prefix, ipoib() + names(in: "/sys/class/infiniband"))
    }

    static func ipoib() -> [String] {
        names(in: "/sys/class/net").filter { read("/sys/class/net/\($0)/type") == "32" }
    }

    static func matching(_ prefix: String, _ names: [String]) -> [String] { names.filter { $0.hasPrefix(prefix) } }

    /// The entries of a directory, sorted; none when it is missing.
    static func names(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    /// A short sysfs attribute without its newline; nil when unreadable.
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").first.map(String.init)
    }
}
