#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import SystemCalls

/// Where reports go: a file descriptor (stdout) or memory (tests). Each `write` is one record,
/// written whole and at once, so the output is valid at every moment and concurrent
/// reporters never interleave inside a record.
public final class ReportOutput: Sendable {
    private enum Target { case fd(Int32), memory }
    private let target: Target
    private let captured = Mutex<[UInt8]>([])
    private let lock = Mutex<Void>(())

    public init(fd: Int32) { target = .fd(fd) }
    /// Collects everything written; read it with `bytes`.
    public static func memory() -> ReportOutput { ReportOutput(memory: ()) }
    private init(memory: Void) { target = .memory }

    public static let stdout = ReportOutput(fd: 1)

    public func write(_ bytes: [UInt8]) {
        switch target {
        case .memory:
            captured.withLock { $0.append(contentsOf: bytes) }
        case .fd(let fd):
            lock.withLock { _ in
                // A closed reader (EPIPE) ends the output; the run still ends with its exit status.
                bytes.withUnsafeBytes { raw in try? writeFully(fd, raw) }
            }
        }
    }

    public func write(_ text: String) { write(Array(text.utf8)) }

    /// What a memory output has collected.
    public var bytes: [UInt8] { captured.withLock { $0 } }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A live sample during a run (`--interval`): metrics over [from, to) seconds since the start.
public struct IntervalSample: Sendable, Equatable, Codable {
    public var test: String
    public var route: String?
    public var from: Double
    public var to: Double
    public var metrics: [Metric]
    public init(test: String, route: String? = nil, from: Double, to: Double, metrics: [Metric]) {
        self.test = test
        self.route = route
        self.from = from
        self.to = to
        self.metrics = metrics
    }
}

/// Consumes a run as it happens. Reporters write each event as soon as it arrives.
public protocol Reporter: AnyObject, Sendable {
    /// A test begins (subunit `inprogress`). `route`: which stream of a `-P` run, nil for the total.
    func started(test: String, route: String?)
    func interval(_ sample: IntervalSample)
    /// A test ends with its result (status included).
    func finished(_ result: BenchResult, route: String?)
}

public enum OutputFormat: String, Sendable, CaseIterable {
    case table, json, csv, subunit

    /// - Parameter header: the run's first JSON line (`event` `run`); other formats leave it out.
    public func makeReporter(output: ReportOutput = .stdout, header: RunHeader? = nil) -> any Reporter {
        switch self {
        case .table: TableReporter(output: output)
        case .json: JSONLinesReporter(output: output, header: header)
        case .csv: CSVReporter(output: output)
        case .subunit: SubunitReporter(output: output)
        }
    }
}
