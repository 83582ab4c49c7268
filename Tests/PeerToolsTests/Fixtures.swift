import Foundation

/// The captured tool outputs under Fixtures/ (copied into the test bundle).
enum Fixture {
    static let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func bench(_ name: String) throws -> String { try text("bench-outputs/" + name) }
    static func perftest(_ name: String) throws -> String { try text("perftest-rxe/" + name) }
}

/// Equal within a relative 1e-9: parsed values are scaled by powers of ten.
func close(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= abs(b) * 1e-9
}
