import Foundation
import Glibc
import SystemPackage

/// The real kernel boundary: rtnetlink for links, MTU, addresses and link
/// state; sysfs for the IPoIB mode and P_Key children (the files the kernel
/// documents for them, and the only way on kernels whose IPoIB parents lack
/// `rtnl_link_ops`).
public struct SystemLinkDriver: LinkDriver, ~Copyable {
    private var netlink: RTNetlink
    private let sysfs: SysfsReader
    private let writer: any SysfsWriter
    /// How long to wait for interfaces to appear after `modprobe ib_ipoib`.
    private let appearSeconds: Double

    /// Opens the netlink socket (in the calling thread's network namespace).
    public init(sysfs: SysfsReader = SysfsReader(), writer: any SysfsWriter = KernelSysfsWriter(),
                appearSeconds: Double = 10) throws(LinkSetupError) {
        do { netlink = try RTNetlink() } catch { throw .readFailed("rtnetlink", what: "links", error: error) }
        self.sysfs = sysfs
        self.writer = writer
        self.appearSeconds = appearSeconds
    }

    public mutating func observe(_ name: String) throws(LinkSetupError) -> LinkState? {
        do {
            guard let link = try netlink.link(named: name) else { return nil }
            let isIPoIB = link.hardwareType == ARPHRD.infiniband
            var state = LinkState(
                name: link.name, hardwareType: link.hardwareType, isUp: link.isUp, mtu: link.mtu,
                mode: isIPoIB ? (sysfs.read(sysfs.netPath(name, "mode")).flatMap(IPoIBMode.init(rawValue:)) ?? link.ipoibMode) : nil,
                connectedModeCapable: isIPoIB && IPoIBAddress.connectedModeCapable(link.hardwareAddress),
                addresses: try netlink.addresses(index: link.index))
            if isIPoIB, let parent = sysfs.read(sysfs.netPath(name, "parent")) {
                state.parent = parent
                state.pkey = sysfs.childPKey(name, parent: parent)
            }
            return state
        } catch {
            throw .readFailed(name, what: "its link state", error: error)
        }
    }

    public mutating func perform(_ step: Step) throws(NetlinkError) {
        switch step {
        case .loadModule(let module):
            try loadModule(module)
        case let .createChild(parent, pkey):
            try write(pkey.description + "\n", sysfs.netPath(parent, "create_child"))
        case let .deleteChild(parent, pkey):
            let child = pkey.childName(of: parent)
            if sysfs.exists(sysfs.netPath(child, "parent")) {
                try write(pkey.description + "\n", sysfs.netPath(parent, "delete_child"))
            } else {
                // A child made over netlink ("RTNL child") has no sysfs handle.
                try netlink.deleteLink(index: index(of: child))
            }
        case let .setMode(name, to, _):
            try write(to.sysfsValue, sysfs.netPath(name, "mode"))
        case let .setMTU(name, to, _):
            try netlink.setMTU(index: index(of: name), to)
        case let .addAddress(name, address):
            try netlink.addAddress(index: index(of: name), address)
        case let .removeAddress(name, address):
            try netlink.removeAddress(index: index(of: name), address)
        case let .setLink(name, up):
            try netlink.setUp(index: index(of: name), up)
        }
    }

    private mutating func index(of name: String) throws(NetlinkError) -> Int32 {
        guard let link = try netlink.link(named: name) else {
            throw NetlinkError(errno: Errno(rawValue: ENODEV), message: "no interface \(name)")
        }
        return link.index
    }

    private func write(_ text: String, _ path: FilePath) throws(NetlinkError) {
        do { try writer.write(text, to: path) } catch {
            throw NetlinkError(errno: error, message: "writing \(text.debugDescription) to \(path)")
        }
    }

    /// `modprobe NAME`, then waits (bounded) for IPoIB interfaces to appear.
    private func loadModule(_ module: String) throws(NetlinkError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/sbin/modprobe")
        process.arguments = [module]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            throw NetlinkError(errno: Errno(rawValue: ENOENT), message: "cannot run /sbin/modprobe")
        }
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            throw NetlinkError(errno: Errno(rawValue: ETIMEDOUT), message: "modprobe \(module) did not finish in 30 seconds")
        }
        guard process.terminationStatus == 0 else {
            throw NetlinkError(errno: Errno(rawValue: ENOENT), message: "modprobe \(module) exited with status \(process.terminationStatus)")
        }
        let appear = Date().addingTimeInterval(appearSeconds)
        while sysfs.ipoibNames().isEmpty, Date() < appear { usleep(50_000) }
    }
}
