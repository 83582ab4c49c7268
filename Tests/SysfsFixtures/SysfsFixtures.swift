import Foundation
import SystemPackage

/// The captured sysfs trees of sysfs/<scenario>/ beside this file, shared by
/// the Fabric, LinkSetup and CLI tests (see the README
/// there). Each scenario is stored as its MANIFEST.tsv — one row per path:
/// kind, mode, exact content or link target — because real sysfs trees are
/// full of symlink cycles (`device` points to an ancestor) that neither the
/// package's resource handling nor git's (empty directories) survive.
/// A test builds the tree it needs into a temporary directory.
public enum FixtureTrees {
    /// Read in place from the source tree (the target excludes sysfs/, see
    /// Package.swift), so a clean clone tests on its own.
    public static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sysfs")
    }

    public static let scenarios = [
        "a-mlx4-cx3-qdr-datagram-2044",
        "b-mlx4-cx3-qdr-connected-65520",
        "c-mlx5-cx4-edr-enhanced-ipoib-4092",
        "d-mlx5-cx4-edr-init-no-sm",
        "d2-mlx4-cx3-qdr-init-no-sm",
        "e-mlx4-cx3-cable-unplugged",
        "f-mlx4-cx3-fdr-dual-port-ib0-ib1",
        "f2-mlx4-cx3-dual-port-predictable-names",
        "f3-mlx4-cx3-dual-port-dev_port-0-older-kernel",
        "g-mlx4-cx3-child-ib0.8001",
        "h-rxe0-soft-roce-ethernet",
        "i-no-infiniband",
        "i2-ib-core-loaded-no-devices",
        "j-qib0-qle7340-qdr-real-capture",
        "k-mlx4-cx3-fdr-old-kernel-real-capture",
        "l-mlx5-cx4-dual-port-two-functions",
    ]

    /// The full directory name of a scenario given its letter ("f3").
    public static func fullName(_ name: String) -> String {
        scenarios.first { $0 == name || $0.hasPrefix(name + "-") } ?? name
    }

    /// Builds scenario `name` (its letter, e.g. "f3", is enough) under a
    /// fresh temporary directory and returns the tree's root. Remove it
    /// with `remove(_:)`.
    public static func root(_ name: String) throws -> FilePath {
        let full = fullName(name)
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("ibkit-fabric-\(UUID().uuidString)/\(full)")
        try SysfsManifest.build(directory.appendingPathComponent("\(full)/MANIFEST.tsv"), into: base)
        return FilePath(base.path)
    }

    public static func remove(_ root: FilePath) {
        try? FileManager.default.removeItem(atPath: root.removingLastComponent().string)
    }
}

/// Builds a sysfs tree from a MANIFEST.tsv: `path`, `kind` (file, symlink,
/// dir), octal `mode`, content (newlines escaped as `\n`) or link target.
public enum SysfsManifest {
    public static func build(_ manifest: URL, into root: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        let text = try String(contentsOf: manifest, encoding: .utf8)
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 4 else { continue }
            let path = root.appendingPathComponent(fields[0])
            switch fields[1] {
            case "dir":
                try fm.createDirectory(at: path, withIntermediateDirectories: true)
            case "symlink":
                try fm.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.createSymbolicLink(atPath: path.path, withDestinationPath: fields[3])
            case "file":
                try fm.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
                let content = fields[3].replacingOccurrences(of: "\\n", with: "\n")
                try Data(content.utf8).write(to: path)
                if let mode = Int(fields[2], radix: 8) {
                    try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: path.path)
                }
            default:
                continue
            }
        }
    }
}
