#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage
import SystemCalls

/// Reads a sysfs tree that sits under `root` (`/` on a live host, a captured
/// tree in tests). Every call goes through one of the small funnels below; a
/// failure comes back as an `Errno`, never as a crash.
struct Sysfs: Sendable {
    let root: FilePath

    /// `root` + `relative` ("sys/class/infiniband").
    func path(_ relative: String) -> FilePath {
        root.appending(relative)
    }

    /// The text of an attribute file without its trailing newline.
    /// Kernel attributes are at most one page, so one page is read.
    ///
    /// C: `open(2)`, `read(2)`, `close(2)`.
    func read(_ path: FilePath) throws(Errno) -> String {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(path, .readOnly) } catch { throw (error as? Errno) ?? .ioError }
        defer { try? fd.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch { throw (error as? Errno) ?? .ioError }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// The names in a directory, sorted, without `.` and `..`.
    ///
    /// C: `opendir(3)`, `readdir(3)`, `closedir(3)`.
    func list(_ path: FilePath) throws(Errno) -> [String] {
        let dir = try sysPointer { path.withPlatformString { opendir($0) } }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted(by: Self.naturalOrder)
    }

    /// The target of a symbolic link as written (sysfs writes relative ones).
    ///
    /// C: `readlink(2)`.
    func readLink(_ path: FilePath) throws(Errno) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = try sys { path.withPlatformString { readlink($0, &buffer, buffer.count - 1) } }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether anything (file, directory, link target) exists at `path`.
    ///
    /// C: `stat(2)`.
    func exists(_ path: FilePath) -> Bool {
        var st = stat()
        return path.withPlatformString { stat($0, &st) } == 0
    }

    /// Whether `path` is a symbolic link (dangling or not).
    ///
    /// C: `lstat(2)`.
    func isLink(_ path: FilePath) -> Bool {
        var st = stat()
        guard path.withPlatformString({ lstat($0, &st) }) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// Orders "mlx4_2" before "mlx4_10" and "ports/2" before "ports/10".
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        let (pa, na) = splitTrailingNumber(a), (pb, nb) = splitTrailingNumber(b)
        if pa != pb { return a < b }
        switch (na, nb) {
        case let (x?, y?): return x < y
        default: return a < b
        }
    }

    private static func splitTrailingNumber(_ s: String) -> (String, Int?) {
        let digits = s.reversed().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count < 10 else { return (s, nil) }
        return (String(s.dropLast(digits.count)), Int(String(digits.reversed())))
    }
}
