#if canImport(Glibc)
import Glibc
#endif

/// Reads a shared secret from a file: its first line, without surrounding spaces.
public enum TokenFile {
    public static func read(_ path: String) throws(BenchError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw BenchError(.usage, subject: path, what: "cannot open the token file", errnoName: String(cString: strerror(errno)),
                             next: "check the path and its permissions")
        }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        let text = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let token = line.trimmingSpaces
        guard !token.isEmpty else {
            throw BenchError(.usage, subject: path, what: "token file is empty", next: "put the secret on its first line")
        }
        return token
    }
}
