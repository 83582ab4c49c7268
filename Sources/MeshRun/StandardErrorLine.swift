#if canImport(Glibc)
import Glibc
#endif

/// One line to stderr, whole: what a person watching the run should know as it happens
/// (a node lost, the round times), kept off stdout, which carries only results.
enum StandardErrorLine {
    static func write(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(2, raw.baseAddress! + off, raw.count - off)
                if n > 0 { off += n } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
    }
}
