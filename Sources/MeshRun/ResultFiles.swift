#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Mesh
import SystemCalls
import SystemPackage

/// Where results are kept on disk: the journal (`results.jsonl`), appended as each result
/// comes in so that a killed run leaves every finished test behind and can be resumed;
/// with `--out DIR`, also the matrices, `summary.json` and `heatmap.svg` at the end.
final class ResultFiles {
    private let directory: String?
    private let journalFD: CInt?

    /// - Parameters:
    ///   - directory: `--out DIR` (made when missing), or nil.
    ///   - resume: the `--resume` file and what it held; with no directory, new results
    ///     are appended to that file.
    init(directory: String?, resume: (path: String, contents: ResultsJournal.Contents)?) throws(BenchError) {
        self.directory = directory
        if let directory {
            do { _ = try sys { mkdir(directory, 0o755) } } catch where error != .fileExists {
                throw BenchError(.usage, subject: "--out \(directory)", what: "cannot make the directory",
                                 errnoName: error.symbol, next: "check the path and its permissions")
            } catch {}
        }
        guard let path = directory.map({ $0 + "/results.jsonl" }) ?? resume?.path else {
            journalFD = nil
            return
        }
        let same = resume.map { Self.sameFile($0.path, path) } ?? false
        if let directory, !same, Self.holdsResults(path) {
            // A new run would start the journal afresh: the earlier run's results would go.
            throw BenchError(.usage, subject: "--out \(directory)", what: "already holds an earlier run's results.jsonl",
                             next: "continue that run with --resume \(path), or give another --out")
        }
        let fd: CInt
        do { fd = try sys { open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (same ? 0 : O_TRUNC), 0o644) } } catch {
            throw BenchError(.usage, subject: path, what: "cannot write the results", errnoName: error.symbol,
                             next: "check the path and its permissions")
        }
        journalFD = fd
        if let resume {
            if same {
                // Drop a line a kill cut short, so the next line does not glue onto it.
                _ = ftruncate(fd, off_t(resume.contents.validLength))
            } else {
                for r in resume.contents.results { append(r) }
            }
        }
    }

    deinit { if let journalFD { close(journalFD) } }

    /// Whether `path` is a journal with at least one line in it. Kernel: stat.
    private static func holdsResults(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_size > 0
    }

    /// Appends one result, its line in one write.
    func append(_ result: LinkResult) {
        guard let journalFD else { return }
        // A full disk loses this line, not the run: the other outputs still come at the end.
        try? writeFully(journalFD, Array(ResultsJournal.line(result).utf8))
    }

    /// The files of the whole run, from what is known now (partial results included).
    func finish(results: [LinkResult], summary: MeshSummary, title: String) throws(BenchError) {
        guard let directory else { return }
        let flagged = Set(summary.assessment.flagged.map(\.link))
        try write(MatrixCSV.bandwidth(results, hosts: summary.hosts), to: directory + "/matrix-bw.csv")
        try write(MatrixCSV.latency(results, hosts: summary.hosts), to: directory + "/matrix-lat.csv")
        try write(summary.json(), to: directory + "/summary.json")
        try write(HeatmapSVG.render(results, hosts: summary.hosts, flagged: flagged,
                                    baseline: summary.assessment.baseline, title: title),
                  to: directory + "/heatmap.svg")
    }

    /// Written to a temporary name, then renamed: a reader never sees half a file.
    private func write(_ text: String, to path: String) throws(BenchError) {
        let temporary = path + ".tmp"
        do throws(Errno) {
            let fd = try sys { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
            defer { close(fd) }
            try writeFully(fd, Array(text.utf8))
            _ = try sys { rename(temporary, path) }
        } catch {
            unlink(temporary)
            throw BenchError(.local, subject: path, what: "cannot write", errnoName: error.symbol,
                             next: "check the directory's permissions and free space")
        }
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var x = stat(), y = stat()
        return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino
    }
}
