import Subunit
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// `ibbench report`: reads subunit v2 streams (ibkit's, stestr's, any tool's)
/// and v1 streams of older runners, and prints one row per test. Several
/// inputs are merged, each keeping its origin as the first part of the route
/// code (`0`, `1/3`, …).
public enum StreamReport {
    public struct Request: Sendable {
        /// Paths; `-` is standard input. Empty means standard input.
        public var inputs: [String]
        public var format: OutputFormat
        /// Give up on an input that stays silent this long (a stalled producer on a pipe).
        public var idleTimeout: Duration?

        public init(inputs: [String], format: OutputFormat = .table, idleTimeout: Duration? = nil) {
            self.inputs = inputs
            self.format = format
            self.idleTimeout = idleTimeout
        }
    }

    public enum Verdict: Sendable, Equatable {
        /// Every test passed (or was skipped or failed as expected).
        case passed
        /// A test failed, passed unexpectedly, or never finished.
        case testsFailed
        /// An input could not be read, or had corrupt packets; what could be decoded was reported.
        case damaged
    }

    /// Runs the report; rows go to `output`, one line (without newline) per problem to
    /// `diagnostics`, where the caller prints it.
    public static func run(_ request: Request, output: ReportOutput = .stdout,
                           diagnostics: @escaping @Sendable (String) -> Void) -> Verdict {
        let inputs = request.inputs.isEmpty ? ["-"] : request.inputs
        if inputs.filter({ $0 == "-" }).count > 1 {
            diagnostics("report: standard input (-) given more than once; name it once")
            return .damaged
        }
        // Open everything first: a missing file stops the report before it prints anything.
        var descriptors: [FileDescriptor] = []
        defer { for (fd, path) in zip(descriptors, inputs) where path != "-" { try? fd.close() } }
        for path in inputs {
            if path == "-" {
                descriptors.append(.standardInput)
                continue
            }
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                diagnostics("\(path): is a directory; give a subunit file")
                return .damaged
            }
            do {
                descriptors.append(try FileDescriptor.open(path, .readOnly))
            } catch {
                diagnostics("\(path): cannot open (\(error)); check the path")
                return .damaged
            }
        }

        let merged = inputs.count > 1
        let sources = inputs.map { $0 == "-" ? "stdin" : $0 }
        let format = request.format
        if format == .csv { output.write(ReportRenderer.csvHeader) }
        let rows = RowSink(format: format, output: output, sources: merged ? sources : [])
        let mux = RouteMultiplexer(rows)
        mux.withDownstream { $0.startTestRun() }
        var damaged = false
        let reader = StreamReader(idleTimeout: request.idleTimeout)
        for (k, fd) in descriptors.enumerated() {
            var input = InputSink(mux: mux, label: merged ? String(k) : nil, source: sources[k],
                                  diagnostics: diagnostics)
            // Each input is v1 or v2 by its own first bytes; v1 is converted to v2 events as read.
            var version = SubunitVersion.v2
            do {
                version = try reader.read(fd, into: &input, expect: .detect).version
            } catch {
                diagnostics("\(sources[k]): \(error)")
                damaged = true
            }
            if input.corruptions > 0 { damaged = true }
            if input.packets == 0 && input.corruptions == 0 {
                // An empty report of a run that wrote nothing (or something else) would read as a pass.
                diagnostics(input.otherBytes == 0 && version == .v2
                    ? "\(sources[k]): empty: no subunit v2 packets; check that the producer ran and wrote --format subunit"
                    : version == .v1
                    ? "\(sources[k]): subunit v1 stream without tests; check that the runner ran any"
                    : "\(sources[k]): no subunit v2 packets in \(input.otherBytes) bytes; give a subunit v2 stream (--format subunit)")
                damaged = true
            }
        }
        let summary = mux.withDownstream { sink -> RunSummary in
            sink.stopTestRun()
            if format == .table {
                output.write(ReportRenderer.table(sink.rows, sources: merged ? sources : [], summary: sink.summaryLine))
            }
            return sink.summary
        }
        if damaged || summary.parseErrors > 0 { return .damaged }
        return summary.allPassed ? .passed : .testsFailed
    }
}

/// Passes one input's events to the report: untouched when it is the only
/// input (its route codes stay as they are), labelled through the multiplexer
/// otherwise. Reports corrupt packets on the diagnostics output as found.
private struct InputSink<Downstream: StreamResult & Sendable>: StreamResult {
    let mux: RouteMultiplexer<Downstream>
    var labelled: RouteMultiplexer<Downstream>.Input?
    let source: String
    let diagnostics: @Sendable (String) -> Void
    var corruptions = 0
    /// Packets read, and bytes that were not subunit: a stream with no packets is reported.
    var packets = 0
    var otherBytes = 0

    init(mux: RouteMultiplexer<Downstream>, label: String?, source: String, diagnostics: @escaping @Sendable (String) -> Void) {
        self.mux = mux
        self.labelled = label.map { mux.input(label: $0) }
        self.source = source
        self.diagnostics = diagnostics
    }

    mutating func status(_ packet: Packet) {
        packets += 1
        if labelled != nil { labelled!.status(packet) } else { mux.withDownstream { $0.status(packet) } }
    }

    /// The only input's packets reach the report with their bytes: unlabelled, they are passed on as read.
    mutating func status(_ packet: Packet, wire: UnsafeRawBufferPointer) {
        packets += 1
        if labelled != nil { labelled!.status(packet) } else { mux.withDownstream { $0.status(packet, wire: wire) } }
    }

    mutating func nonSubunit(_ bytes: [UInt8]) {
        otherBytes += bytes.count
        if labelled != nil { labelled!.nonSubunit(bytes) } else { mux.withDownstream { $0.nonSubunit(bytes) } }
    }

    mutating func corrupt(_ corruption: Corruption) {
        corruptions += 1
        diagnostics("\(source): \(corruption)")
        if labelled != nil { labelled!.corrupt(corruption) } else { mux.withDownstream { $0.corrupt(corruption) } }
    }

    mutating func caughtUp() { mux.withDownstream { $0.caughtUp() } }
}

/// Turns finished tests into rows: written as each test finishes for JSON
/// lines and CSV, kept for the table. Closed records are handed on and
/// dropped, so memory stays flat in the number of tests but for the table.
private struct RowSink: StreamResult, Sendable {
    let format: OutputFormat
    let output: ReportOutput
    /// Input names by label when several are merged.
    let sources: [String]
    var rows: [ReportRow] = []
    var collector = Collector()
    /// The records `emit` took last, kept for their storage.
    private var finished: [TestRecord] = []
    var summary = RunSummary()
    /// Output not yet written: one write per batch of input rather than per row or packet.
    var pending: [UInt8] = []
    private let encoder = PacketEncoder()
    static let flushSize = 1 << 16

    init(format: OutputFormat, output: ReportOutput, sources: [String]) {
        self.format = format
        self.output = output
        self.sources = sources
        if format != .table { pending.reserveCapacity(Self.flushSize + 4096) }
    }

    mutating func startTestRun() {}

    /// Stream-level output (no test id) makes no row; the collector keeps it.
    mutating func status(_ packet: Packet) {
        summary.status(packet)
        // The merged stream needs no rows, only the verdict.
        if format == .subunit { return write(packet) }
        collector.status(packet)
        emit()
    }

    /// A packet of the only input, unchanged: for subunit output its bytes are copied, not encoded again.
    mutating func status(_ packet: Packet, wire: UnsafeRawBufferPointer) {
        guard format == .subunit else { return status(packet) }
        summary.status(packet)
        pending.append(contentsOf: wire)
        if pending.count >= Self.flushSize { flush() }
    }

    mutating func corrupt(_ corruption: Corruption) {
        summary.corrupt(corruption)
        if format == .subunit { return corruption.packets.forEach { write($0) } }
        collector.corrupt(corruption)
        emit()
    }

    /// The input has no more bytes for now: what it completed is written before the reader waits.
    mutating func caughtUp() { flush() }

    mutating func stopTestRun() {
        summary.stopTestRun()
        collector.stopTestRun()
        emit()
        flush()
    }

    mutating func flush() {
        guard !pending.isEmpty else { return }
        output.write(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Re-emits a packet of the merged stream, whole.
    private mutating func write(_ packet: Packet) {
        let mark = pending.count
        // A packet that grew past the size limit with its new route code is dropped, as
        // python's tools do; ibkit's own packets stay far below it.
        if (try? encoder.encode(packet, into: &pending)) == nil { pending.removeSubrange(mark...) }
        if pending.count >= Self.flushSize { flush() }
    }

    private mutating func emit() {
        guard collector.hasRecords else { return }
        collector.takeRecords(into: &finished)
        for record in finished where record.status != .exists {
            let row = ReportRow(record, source: source(of: record))
            switch format {
            case .json: RowWriter.appendJSON(row, to: &pending)
            case .csv: RowWriter.appendCSV(row, to: &pending)
            case .table: rows.append(row)
            case .subunit: break
            }
        }
        if pending.count >= Self.flushSize { flush() }
    }

    /// The merged input a record came from: the first part of its route code.
    private func source(of record: TestRecord) -> String? {
        guard !sources.isEmpty, let route = record.routeCode else { return nil }
        let label = route.split(separator: "/", maxSplits: 1).first.map(String.init) ?? route
        return Int(label).flatMap { sources.indices.contains($0) ? sources[$0] : nil }
    }

    var summaryLine: String {
        let s = summary
        var parts = ["\(s.total) \(s.total == 1 ? "test" : "tests"): \(s.succeeded) passed", "\(s.failed) failed", "\(s.skipped) skipped"]
        if s.expectedFailures > 0 { parts.append("\(s.expectedFailures) failed as expected") }
        if s.unexpectedSuccesses > 0 { parts.append("\(s.unexpectedSuccesses) passed unexpectedly") }
        if s.incomplete > 0 { parts.append("\(s.incomplete) incomplete") }
        if s.parseErrors > 0 { parts.append("\(s.parseErrors) corrupt \(s.parseErrors == 1 ? "packet" : "packets")") }
        return parts.joined(separator: ", ")
    }
}
