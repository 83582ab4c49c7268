import Foundation

/// The LinkSetup sysfs fixtures (manifests under Tests/LinkSetupTests/Fixtures)
/// built into a temporary directory for the CLI to read with --sysfs-root.
struct LinkSetupFixture {
    let root: URL

    static let manifests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LinkSetupTests/Fixtures/sysfs")

    static var scenarios: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: manifests.path)) ?? [])
            .filter { FileManager.default.fileExists(atPath: manifests.appendingPathComponent("\($0)/MANIFEST.tsv").path) }
            .sorted()
    }

    init(_ prefix: String) throws {
        let scenario = Self.scenarios.first { $0.hasPrefix(prefix + "-") }!
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-cli-\(prefix)-\(UUID().uuidString)")
        let manifest = try String(contentsOf: Self.manifests.appendingPathComponent("\(scenario)/MANIFEST.tsv"), encoding: .utf8)
        let files = FileManager.default
        try files.createDirectory(at: root, withIntermediateDirectories: true)
        for line in manifest.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 4 else { continue }
            let path = root.appendingPathComponent(fields[0])
            try files.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            switch fields[1] {
            case "dir": try files.createDirectory(at: path, withIntermediateDirectories: true)
            case "symlink": try files.createSymbolicLink(atPath: path.path, withDestinationPath: fields[3])
            default: try fields[3].replacingOccurrences(of: "\\n", with: "\n").write(to: path, atomically: false, encoding: .utf8)
            }
        }
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
