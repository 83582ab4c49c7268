import BenchCore
import FuzzSupport
import PeerTools

/// A peer tool's parser on any text, as `ibbench import TOOL FILE` meets a saved output.
public enum PeerOutputProperties {
    /// Parses the input as `tool`'s stdout. Output that is not the tool's must be refused
    /// with an error; whatever parses must be results every reporter can write.
    public static func check(_ tool: PeerTool, _ data: UnsafePointer<UInt8>, _ size: Int) {
        let text = FuzzInput.text(data, size)
        let results: [BenchResult]
        do {
            results = try PeerOutput.parse(tool, text)
        } catch {
            require(!error.description.isEmpty, "an error without a message")
            return
        }
        for r in results { checkWritable(r) }
    }

    /// JSON has no infinity or NaN: a result holding one would drop out of `--format json`.
    static func checkWritable(_ r: BenchResult) {
        require(!r.test.isEmpty, "a result without a test name")
        for m in r.metrics {
            require(m.value.isFinite, "\(r.test): metric \(m.name) is \(m.value)")
        }
        for (name, value) in [("duration", r.duration), ("started", r.started)] {
            if let v = value { require(v.isFinite, "\(r.test): \(name) is \(v)") }
        }
    }
}
