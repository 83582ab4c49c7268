import SystemPackage

/// Reads a captured sysfs tree (`--sysfs-root`) for dry runs: the state comes
/// from the files, addresses are unknown, and nothing can be changed.
struct CapturedTreeDriver: LinkDriver {
    let sysfs: SysfsReader

    mutating func observe(_ name: String) throws(LinkSetupError) -> LinkState? { sysfs.linkState(name) }

    mutating func perform(_ step: Step) throws(NetlinkError) {
        throw NetlinkError(errno: Errno(rawValue: 30), message: "a captured tree is read-only")   // EROFS
    }
}
