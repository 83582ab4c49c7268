import BenchCore
import Foundation

/// `ibbench import TOOL [FILE|-]`: a saved output of a peer tool, as ibkit results.
public enum ImportRun {
    /// Why an import could not start (the file), as one line.
    public struct InputError: Error, CustomStringConvertible {
        public let path: String
        public let why: String
        public var description: String { "\(path): cannot read (\(why)); give the path of a saved tool output, or - for stdin" }
    }

    /// Reads `path` (nil or `-`: stdin), parses it as `tool`'s output and reports every result.
    /// Returns the exit status: 0 every result passed, 1 the tool reported a failure,
    /// 2 the output could not be parsed (reported as a failed test, and on `diagnostics`).
    public static func run(_ tool: PeerTool, path: String?, gbits: Bool = false, reporter: any Reporter,
                           diagnostics: (String) -> Void) throws(InputError) -> Int32 {
        let text = try read(path)
        let results: [BenchResult]
        var status: Int32 = 0
        do {
            results = tool == .perftest && gbits && text.first == "{"
                ? try PerftestJSON.parse(text, gbits: true) : try PeerOutput.parse(tool, text)
        } catch {
            diagnostics(error.description)
            let failed = BenchResult(test: "\(tool.rawValue).output", tool: tool.rawValue,
                                     transport: tool == .perftest ? .rdma : .tcp, status: .error,
                                     reason: error.description)
            reporter.started(test: failed.test, route: nil)
            reporter.finished(failed, route: nil)
            return 2
        }
        for r in results {
            reporter.started(test: r.test, route: nil)
            reporter.finished(r, route: nil)
            if r.status == .fail || r.status == .error { status = 1 }
        }
        return status
    }

    static func read(_ path: String?) throws(InputError) -> String {
        if path == nil || path == "-" {
            return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        let p = path!
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { throw InputError(path: p, why: "no such file") }
        guard !isDir.boolValue else { throw InputError(path: p, why: "a directory") }
        guard let data = FileManager.default.contents(atPath: p) else { throw InputError(path: p, why: "permission denied") }
        return String(decoding: data, as: UTF8.self)
    }
}
