import ArgumentParser
import CommandSupport
import Foundation

/// `--sysfs-root`: read a captured tree instead of this host.
struct SysfsRootOption: ParsableArguments {
    @Option(help: ArgumentHelp("Read sysfs (and /proc) under DIR instead of /: a captured tree (up and down need --dry-run).",
                               valueName: "dir"))
    var sysfsRoot: String?

    /// A root that is not there would read as a host without InfiniBand, which is not what
    /// went wrong. Like any file a command cannot find, it is an error (2), not a usage one.
    func validate() throws {
        guard let sysfsRoot else { return }
        var isDirectory: ObjCBool = false
        guard !sysfsRoot.isEmpty, FileManager.default.fileExists(atPath: sysfsRoot, isDirectory: &isDirectory) else {
            throw Outcome(.error, message: "--sysfs-root \(sysfsRoot.isEmpty ? "''" : sysfsRoot): no such directory; give the directory a tree was captured into")
        }
        guard isDirectory.boolValue else {
            throw Outcome(.error, message: "--sysfs-root \(sysfsRoot): not a directory; give the directory a tree was captured into")
        }
    }
}
