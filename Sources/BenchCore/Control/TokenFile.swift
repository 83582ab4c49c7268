#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// Reads a shared secret from a file: its first line, without surrounding spaces.
public enum TokenFile {
    public static func read(_ path: String) throws(BenchError) -> String {
        let fd: Int32
        do { fd = try sys { open(path, O_RDONLY | O_CLOEXEC) } } catch {
            throw BenchError(.usage, subject: path, what: "cannot open the token file", errnoName: error.symbol,
                             next: "check the path and its permissions")
        }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n: Int
        do { n = try sys { buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } } } catch {
            throw BenchError(.usage, subject: path, what: "cannot read the token file", errnoName: error.symbol,
                             next: "check that it is a readable file")
        }
        let text = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let token = line.trimmingSpaces
        guard !token.isEmpty else {
            throw BenchError(.usage, subject: path, what: "token file is empty", next: "put the secret on its first line")
        }
        return token
    }
}
