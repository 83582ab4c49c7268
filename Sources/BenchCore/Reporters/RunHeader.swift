#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The first line of a JSON-lines run: which schema the lines follow, and what a reader
/// needs to compare one run with another (which ibkit, which host and kernel, which peer,
/// when, and the command line). Documented with an example in docs/json-output.md.
public struct RunHeader: Encodable, Sendable, Equatable {
    /// The schema of every line of this output; its version changes when a key does.
    public static let schema = "ibkit.bench/1"

    public var tool: String
    public var version = ibkitVersion
    public var host: String
    public var kernel: String
    /// The server tested against; nil for a run that tests no peer (`import`, `report`).
    public var peer: String?
    /// ISO 8601, UTC, when the run started.
    public var time: String
    public var command: [String]

    public init(tool: String, peer: String?, command: [String] = CommandLine.arguments) {
        self.tool = tool
        self.peer = peer
        self.command = command
        host = Self.hostName()
        kernel = Self.kernelRelease()
        time = Date().formatted(.iso8601)
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func kernelRelease() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "" }
        return withUnsafeBytes(of: &names.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    enum CodingKeys: String, CodingKey { case event, schema, tool, version, host, kernel, peer, time, command }

    /// Every key always there (`peer` is null when there is none), so the line has one shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("run", forKey: .event)
        try c.encode(Self.schema, forKey: .schema)
        try c.encode(tool, forKey: .tool)
        try c.encode(version, forKey: .version)
        try c.encode(host, forKey: .host)
        try c.encode(kernel, forKey: .kernel)
        try c.encode(peer, forKey: .peer)
        try c.encode(time, forKey: .time)
        try c.encode(command, forKey: .command)
    }
}
