import Foundation
import SysfsFixtures

/// The shared sysfs fixtures (manifests under Tests/SysfsFixtures/sysfs)
/// built into a temporary directory for the CLI to read with --sysfs-root.
struct LinkSetupFixture {
    let root: URL

    static var manifests: URL { FixtureTrees.directory }

    static var scenarios: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: manifests.path)) ?? [])
            .filter { FileManager.default.fileExists(atPath: manifests.appendingPathComponent("\($0)/MANIFEST.tsv").path) }
            .sorted()
    }

    init(_ prefix: String) throws {
        let scenario = Self.scenarios.first { $0.hasPrefix(prefix + "-") }!
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-cli-\(prefix)-\(UUID().uuidString)")
        try SysfsManifest.build(Self.manifests.appendingPathComponent("\(scenario)/MANIFEST.tsv"), into: root)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
