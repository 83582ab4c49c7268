import ArgumentParser
import BenchCore
import TCPBench

extension TCPMode: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}

/// A byte count with binary suffixes: `64K` = 65,536 bytes, `1M` = 2^20.
struct ByteCount: ExpressibleByArgument, Equatable {
    let bytes: Int
    init(bytes: Int) { self.bytes = bytes }
    init?(argument: String) {
        guard let b = Units.parseBytes(argument), b <= UInt64(Int.max) else { return nil }
        bytes = Int(b)
    }
    var defaultValueDescription: String { String(bytes) }
}

/// `MIN:MAX` byte sizes for --sweep.
struct SizeRange: ExpressibleByArgument {
    let range: ClosedRange<Int>
    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let lo = Units.parseBytes(String(parts[0])), let hi = Units.parseBytes(String(parts[1])),
              lo >= 1, lo <= hi, hi <= 64 << 20 else { return nil }
        range = Int(lo)...Int(hi)
    }
}

/// `9Gbit`, `900Mbit`: bit/s, decimal prefixes.
struct Rate: ExpressibleByArgument {
    let bitsPerSecond: Double
    init?(argument: String) {
        guard let r = Units.parseRate(argument) else { return nil }
        bitsPerSecond = r
    }
}

/// `50us`, `1.5ms`: a round-trip latency.
struct Latency: ExpressibleByArgument {
    let nanoseconds: Double
    init?(argument: String) {
        guard let n = Units.parseDuration(argument) else { return nil }
        nanoseconds = n
    }
}

/// `A` or `A,B`: client CPU, server CPU.
struct CPUPair: ExpressibleByArgument {
    let client: Int
    let server: Int?
    init?(argument: String) {
        let parts = argument.split(separator: ",").map { Int($0) }
        guard (1...2).contains(parts.count), let a = parts[0], a >= 0 else { return nil }
        client = a
        if parts.count == 2 {
            guard let b = parts[1], b >= 0 else { return nil }
            server = b
        } else {
            server = nil
        }
    }
}

/// `ibbench tcp … --sweep` takes its MIN:MAX optionally, the way `rdma` and `compare` take
/// `--sweep` alone. ArgumentParser has no options with optional values, so before parsing a
/// bare `--sweep` (last, or followed by a word that is not MIN:MAX) becomes `--sweep-default`.
enum BareSweep {
    static func rewrite(_ arguments: [String]) -> [String] {
        guard arguments.first == "tcp" else { return arguments }
        var out = arguments
        for i in out.indices.dropFirst() {
            if out[i] == "--" { break }
            guard out[i] == "--sweep" else { continue }
            let next = i + 1 < out.count ? out[i + 1] : ""
            // A word with a colon is meant as MIN:MAX; if it is a bad one, the parser says so.
            if next.hasPrefix("-") || !next.contains(":") { out[i] = "--sweep-default" }
        }
        return out
    }
}

/// `--token`/`--token-file` of the clients (`tcp`, `rdma`): the secret of a server started with one.
struct ClientToken: ParsableArguments {
    @Option(help: "Shared secret the server asks for (ibbench serve --token).")
    var token: String?

    @Option(help: "File whose first line is the shared secret.")
    var tokenFile: String?

    func validate() throws {
        if token != nil && tokenFile != nil { throw ValidationError("give --token or --token-file, not both") }
    }

    /// The secret, read from the file when one is named; nil without either option.
    func secret() throws(BenchError) -> String? {
        try tokenFile.map { path throws(BenchError) in try TokenFile.read(path) } ?? token
    }
}

/// A run that broke: the message is already one line; exit status 2.
struct RunFailed: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

#if canImport(Glibc)
import Glibc
#endif

/// Runs a subcommand's library call, turning its one-line errors into the documented exit
/// statuses: the message on stderr, then 2 (an ArgumentParser `ExitCode` exits silently).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as BenchError {
        FileDescriptorOutput.stderr("Error: \(e.description)\n")
        throw ExitStatus.error
    } catch let e as RunFailed {
        FileDescriptorOutput.stderr("Error: \(e.description)\n")
        throw ExitStatus.error
    }
}

enum FileDescriptorOutput {
    static func stderr(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(2, &bytes, bytes.count)
    }
}
