import Testing
import Foundation

/// A built executable of this package: the test binary sits beside them in the
/// products directory (`.build/debug`).
func productPath(_ name: String) -> URL {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return testBinary.deletingLastPathComponent().appendingPathComponent(name)
}

@Test(arguments: ["ibsetup", "ibbench"])
func versionPrints(tool: String) throws {
    let p = Process()
    p.executableURL = productPath(tool)
    p.arguments = ["--version"]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    p.waitUntilExit()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(p.terminationStatus == 0)
    #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
}
