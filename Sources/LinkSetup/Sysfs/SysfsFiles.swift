import Glibc
import SystemPackage
import SystemCalls

/// Writes sysfs attribute files. The kernel answers a write with the
/// attribute's own verdict (`EINVAL` for a mode it refuses), which is why
/// writes go through one narrow protocol: tests put a model of those verdicts
/// in front of a copied tree.
public protocol SysfsWriter: Sendable {
    /// Writes `text` in one `write(2)`, as `echo text > path` does.
    func write(_ text: String, to path: FilePath) throws(Errno)
}

/// The real thing: `open(O_WRONLY)`, one `write`, `close`; the errno the
/// attribute's store function returned comes back as thrown `Errno`.
public struct KernelSysfsWriter: SysfsWriter {
    public init() {}

    public func write(_ text: String, to path: FilePath) throws(Errno) {
        let fd = try sys { path.withPlatformString { open($0, O_WRONLY | O_CLOEXEC) } }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = try sys { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
        // sysfs stores take the whole buffer or fail; a short write would be a kernel bug.
        if written != bytes.count { throw Errno(rawValue: EIO) }
    }
}

/// Reads sysfs attribute files under a root (`/`, or a captured tree).
public struct SysfsReader: Sendable {
    public let root: FilePath

    public init(root: FilePath = "/") { self.root = root }

    /// `ROOT/sys/class/net/NAME/ATTRIBUTE`.
    public func netPath(_ name: String, _ attribute: String? = nil) -> FilePath {
        var path = root.appending("sys/class/net").appending(name)
        if let attribute { path = path.appending(attribute) }
        return path
    }

    /// The file's text without its trailing newline; nil when it cannot be read.
    public func read(_ path: FilePath) -> String? {
        guard let data = bytes(path) else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// The file's bytes, exactly; nil when it cannot be read.
    public func bytes(_ path: FilePath) -> [UInt8]? {
        guard let fd = try? sys({ path.withPlatformString { open($0, O_RDONLY | O_CLOEXEC) } }) else { return nil }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            guard let n = try? sys({ chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } })
            else { return nil }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return data
    }

    public func exists(_ path: FilePath) -> Bool {
        path.withPlatformString { access($0, F_OK) } == 0
    }

    /// Names in `ROOT/sys/class/net`, sorted.
    public func netdevNames() -> [String] { children(of: root.appending("sys/class/net")) }

    /// The entries of a directory (following symlinks), sorted; empty when unreadable.
    public func children(of directory: FilePath) -> [String] {
        guard let dir = directory.withPlatformString({ opendir($0) }) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The IPoIB netdevs (type 32), sorted.
    public func ipoibNames() -> [String] {
        netdevNames().filter { read(netPath($0, "type")) == String(ARPHRD.infiniband) }
    }

    /// The state of `name` as sysfs shows it; addresses are unknown (nil)
    /// because sysfs has none. nil when the netdev does not exist.
    public func linkState(_ name: String) -> LinkState? {
        guard exists(netPath(name)), let type = read(netPath(name, "type")).flatMap({ Int($0) }) else { return nil }
        let flags = read(netPath(name, "flags")).flatMap { UInt32($0.dropFirst(2), radix: 16) } ?? 0
        let address = IPoIBAddress.parse(read(netPath(name, "address")) ?? "")
        var state = LinkState(
            name: name, hardwareType: type, isUp: flags & NL.iffUp != 0,
            mtu: read(netPath(name, "mtu")).flatMap { Int($0) },
            mode: read(netPath(name, "mode")).flatMap(IPoIBMode.init(rawValue:)),
            connectedModeCapable: IPoIBAddress.connectedModeCapable(address),
            addresses: nil)
        if let parent = read(netPath(name, "parent")) {
            state.parent = parent
            state.pkey = childPKey(name, parent: parent)
        }
        return state
    }

    /// The P_Key written when `name` was created: the suffix of `PARENT.%04x`.
    func childPKey(_ name: String, parent: String) -> PKey? {
        let prefix = String(parent.prefix(10)) + "."
        guard name.hasPrefix(prefix) else { return nil }
        return try? PKey(parsing: String(name.dropFirst(prefix.count)))
    }

    /// True when the kernel module `name` is loaded (`/sys/module/NAME`).
    public func moduleLoaded(_ name: String) -> Bool {
        exists(root.appending("sys/module").appending(name))
    }
}
