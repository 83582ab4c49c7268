import Foundation
import SystemPackage
@testable import LinkSetup

/// What the kernel does when the IPoIB sysfs files are written (the fixture
/// README's "What the kernel does when you write"), in front of a copied tree:
/// - `mode`: `connected\n` only where address byte 0 has 0x80 (then MTU 65520),
///   `datagram\n` (MTU capped at 2044, the broadcast group), anything else EINVAL;
/// - `create_child`: EINVAL for 0, 0x8000, > 0xffff; ENOTUNIQ when the child
///   exists; otherwise a child netdev (datagram, down, `parent`, `pkey` | 0x8000);
/// - `delete_child`: removes the child, ENODEV when there is none;
/// - `mtu`, `flags`: stored as written (netlink stands in for them in the tree).
/// Each accepted write then goes through the real `KernelSysfsWriter`.
struct KernelSysfsEmulation: SysfsWriter {
    let root: URL
    let broadcastMTU = 2044

    /// A sysfs attribute takes the written value whole; a regular file in the tree
    /// keeps the tail of a longer old value unless it is emptied first.
    private func store(_ text: String, to path: FilePath) throws(Errno) {
        if path.withPlatformString({ truncate($0, 0) }) != 0 { throw Errno(rawValue: errno) }
        try KernelSysfsWriter().write(text, to: path)
    }

    func write(_ text: String, to path: FilePath) throws(Errno) {
        let url = URL(fileURLWithPath: path.string)
        let attribute = url.lastPathComponent
        let netdev = url.deletingLastPathComponent()
        switch attribute {
        case "mode":
            let address = (try? String(contentsOf: netdev.appendingPathComponent("address"), encoding: .utf8)) ?? ""
            let capable = UInt8(address.prefix(2), radix: 16).map { $0 & 0x80 != 0 } ?? false
            let current = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            switch text {
            case "connected\n":
                guard capable else { throw Errno(rawValue: EINVAL) }
                try store(text, to: path)
                try store("65520\n", to: FilePath(netdev.appendingPathComponent("mtu").path))
            case "datagram\n":
                try store(text, to: path)
                if current == "connected\n" {
                    let mtu = Int(((try? String(contentsOf: netdev.appendingPathComponent("mtu"), encoding: .utf8)) ?? "")
                        .trimmingCharacters(in: .newlines)) ?? broadcastMTU
                    try store("\(min(mtu, broadcastMTU))\n", to: FilePath(netdev.appendingPathComponent("mtu").path))
                }
            default:
                throw Errno(rawValue: EINVAL)
            }
        case "create_child", "delete_child":
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let digits = trimmed.lowercased().hasPrefix("0x") ? String(trimmed.dropFirst(2)) : trimmed
            guard let value = Int(digits, radix: trimmed.lowercased().hasPrefix("0x") ? 16 : 10),
                  value > 0, value <= 0xffff, value != 0x8000 else { throw Errno(rawValue: EINVAL) }
            let parent = netdev.lastPathComponent
            let name = String(parent.prefix(10)) + "." + String(format: "%04x", value)
            let child = root.appendingPathComponent("sys/devices/virtual/net/\(name)")
            let link = root.appendingPathComponent("sys/class/net/\(name)")
            let files = FileManager.default
            if attribute == "delete_child" {
                guard files.fileExists(atPath: child.path) else { throw Errno(rawValue: ENODEV) }
                try? files.removeItem(at: link)
                try? files.removeItem(at: child)
                return
            }
            if files.fileExists(atPath: child.path) { throw Errno(rawValue: 76) }   // ENOTUNIQ
            let parentAddress = (try? String(contentsOf: netdev.appendingPathComponent("address"), encoding: .utf8)) ?? ""
            do {
                try files.createDirectory(at: child, withIntermediateDirectories: true)
                let attributes = [
                    "type": "32", "mode": "datagram", "mtu": "\(broadcastMTU)", "flags": "0x1002",
                    "address": parentAddress.trimmingCharacters(in: .newlines), "parent": parent,
                    "pkey": "0x" + String(format: "%04x", value | 0x8000), "dev_port": "0", "dev_id": "0x0",
                ]
                for (key, value) in attributes {
                    try (value + "\n").write(to: child.appendingPathComponent(key), atomically: false, encoding: .utf8)
                }
                try files.createSymbolicLink(atPath: link.path, withDestinationPath: "../../devices/virtual/net/\(name)")
            } catch { throw Errno(rawValue: EIO) }
        default:
            try store(text, to: path)
        }
    }
}

/// A driver over a copied tree: mode and children through `SystemLinkDriver`'s
/// sysfs path (the real writer behind the emulation), MTU and link state as
/// the files netlink would change. Lets whole plans run and roll back on a fixture.
struct FixtureTreeDriver: LinkDriver {
    let sysfs: SysfsReader
    let writer: KernelSysfsEmulation
    var failure: (call: Int, error: Errno)?
    private var calls = 0

    init(_ tree: FixtureTree, failure: (call: Int, error: Errno)? = nil) {
        sysfs = SysfsReader(root: FilePath(tree.root.path))
        writer = KernelSysfsEmulation(root: tree.root)
        self.failure = failure
    }

    mutating func observe(_ name: String) throws(LinkSetupError) -> LinkState? {
        guard var state = sysfs.linkState(name) else { return nil }
        state.addresses = []
        return state
    }

    mutating func perform(_ step: Step) throws(NetlinkError) {
        defer { calls += 1 }
        if let failure, failure.call == calls { throw NetlinkError(errno: failure.error, message: "injected") }
        do throws(Errno) {
            switch step {
            case let .createChild(parent, pkey): try writer.write(pkey.description + "\n", to: sysfs.netPath(parent, "create_child"))
            case let .deleteChild(parent, pkey): try writer.write(pkey.description + "\n", to: sysfs.netPath(parent, "delete_child"))
            case let .setMode(name, to, _): try writer.write(to.sysfsValue, to: sysfs.netPath(name, "mode"))
            case let .setMTU(name, to, _):
                let mode = sysfs.read(sysfs.netPath(name, "mode"))
                if mode == "datagram", to > IPoIBMTU.datagramMaximum { throw Errno(rawValue: EINVAL) }
                try writer.write("\(to)\n", to: sysfs.netPath(name, "mtu"))
            case let .setLink(name, up):
                let flags = UInt32(sysfs.read(sysfs.netPath(name, "flags"))?.dropFirst(2) ?? "0", radix: 16) ?? 0
                try writer.write("0x" + String(up ? flags | 1 : flags & ~1, radix: 16) + "\n", to: sysfs.netPath(name, "flags"))
            case .loadModule, .addAddress, .removeAddress:
                break   // no addresses in a tree
            }
        } catch {
            throw NetlinkError(errno: error)
        }
    }
}
