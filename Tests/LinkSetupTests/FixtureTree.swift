import Foundation
import SysfsFixtures

/// A sysfs fixture tree built from its `MANIFEST.tsv` into a fresh temporary
/// directory, writable, removed by `remove()`.
struct FixtureTree {
    let root: URL

    static var manifests: URL { FixtureTrees.directory }

    /// Every scenario directory name (`a-mlx4-cx3-qdr-datagram-2044`, …), sorted.
    static var scenarios: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: manifests.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: manifests.appendingPathComponent("\($0)/MANIFEST.tsv").path) }.sorted()
    }

    /// The scenario whose name starts with `prefix` + "-" (`"a"`, `"d2"`).
    static func scenario(_ prefix: String) -> String {
        scenarios.first { $0.hasPrefix(prefix + "-") }!
    }

    init(_ scenario: String) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("ibkit-linksetup-\(scenario)-\(UUID().uuidString)")
        try SysfsManifest.build(Self.manifests.appendingPathComponent("\(scenario)/MANIFEST.tsv"), into: root)
    }

    /// `ROOT/sys/class/net/NAME/ATTRIBUTE` resolved through the symlinks.
    func net(_ name: String, _ attribute: String) -> URL {
        root.appendingPathComponent("sys/class/net/\(name)/\(attribute)")
    }

    func read(_ name: String, _ attribute: String) -> String? {
        (try? String(contentsOf: net(name, attribute), encoding: .utf8))?.trimmingCharacters(in: .newlines)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
