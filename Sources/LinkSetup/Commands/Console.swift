import Glibc

/// Where a command's results (stdout) and diagnostics (stderr) go; tests
/// capture them instead.
public struct Console: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.err = err
    }

    /// Each line goes out whole with one `write(2)`, unbuffered, so output
    /// interleaves correctly with a failing run's error line.
    public static let standard = Console(out: { writeLine($0, to: 1) }, err: { writeLine($0, to: 2) })

    private static func writeLine(_ line: String, to fd: CInt) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 { offset += n } else if errno != EINTR { return }
        }
    }
}
