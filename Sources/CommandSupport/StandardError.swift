#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemCalls

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
    // Nothing is left to tell when stderr itself is gone.
    try? writeFully(fd, Array(text.utf8))
}
