#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one writer of diagnostics. Each call goes out whole with unbuffered `write(2)`
/// calls, so a line never mixes with results written to stdout at the same time.
public enum StandardError {
    public static func write(_ text: String) { writeWhole(text, to: 2) }

    /// `line` and a newline.
    public static func line(_ line: String) { write(line + "\n") }

    /// An error line: both tools begin every one with `Error: `, as ArgumentParser does.
    public static func error(_ message: String) { line("Error: " + message) }
}

/// Results for people on stdout, unbuffered like `StandardError`, so that a failing
/// run's error line comes out after the results written before it.
public enum StandardOutput {
    public static func write(_ text: String) { writeWhole(text, to: 1) }
    public static func line(_ line: String) { write(line + "\n") }
}

/// Writes all of `text` to `fd`, retrying `EINTR`; gives up on any other error (a closed
/// pipe has no reader left to tell).
private func writeWhole(_ text: String, to fd: Int32) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { raw in
            #if canImport(Glibc)
            Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            #else
            Darwin.write(fd, raw.baseAddress! + offset, raw.count - offset)
            #endif
        }
        if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
    }
}
