import BenchCore
import Fabric
import Foundation
import SystemCalls

/// `ibbench compare PEER`: the options, the runners, the output.
public struct CompareRun: Sendable {
    public var peer: String
    public var rounds: Int
    public var duration: Double
    public var measurements: [Measurement]
    /// Restricts the tools (`ibbench`, `netperf`, …); empty: every runner.
    public var tools: [String]
    public var sizes: [Int]
    public var plotPath: String?
    public var format: OutputFormat
    public var ports: [PeerTool: Int]

    public init(peer: String, rounds: Int = 3, duration: Double = 10, measurements: [Measurement] = [],
                tools: [String] = [], sizes: [Int] = [], plotPath: String? = nil, format: OutputFormat = .table,
                ports: [PeerTool: Int] = [:]) {
        self.peer = peer
        self.rounds = rounds
        self.duration = duration
        self.measurements = measurements
        self.tools = tools
        self.sizes = sizes
        self.plotPath = plotPath
        self.format = format
        self.ports = ports
    }

    /// The default sweep: 64 B to 64 KiB in steps of four.
    public static let sweepSizes = [64, 256, 1024, 4096, 16384, 65536]

    /// RDMA measurements are taken when the host has an RDMA device (`devices`: a parameter so
    /// tests can pretend either way).
    public static func defaultMeasurements(devices: () -> [String] = verbsDeviceNames) -> [Measurement] {
        devices().isEmpty ? [.tcpStream, .tcpLatency] : Measurement.allCases
    }

    public struct PlotError: Error, CustomStringConvertible {
        public let path: String, why: String
        public var description: String { "\(path): cannot write the chart (\(why)); choose a writable path for --plot" }
    }

    /// Runs the comparison with `engines` (ibkit's own runners) and the peer tools; writes
    /// results in `format` to `output`. With `progress`, a one-line display for a terminal:
    /// each text redraws the line, the last one clears it.
    /// Returns the exit status: 0 every run passed or was skipped, 1 a run failed, 2
    /// (`nothingMeasured`) every tool was skipped.
    public func run(engines: [any MeasurementRunner], output: ReportOutput = .stdout,
                    progress display: (@Sendable (String) -> Void)? = nil) throws(PlotError) -> Int32 {
        var runners = engines + PeerTool.allCases.map { PeerToolRunner($0) as any MeasurementRunner }
        if !tools.isEmpty { runners = runners.filter { tools.contains($0.tool) } }
        let measurements = self.measurements.isEmpty ? Self.defaultMeasurements() : self.measurements
        let comparison = Comparison(runners: runners, measurements: measurements, rounds: rounds,
                                    settings: RunSettings(peer: peer, duration: duration, ports: ports), sizes: sizes)
        let reporter: (any Reporter)? = format == .table ? nil : format.makeReporter(output: output, header: RunHeader(tool: "ibbench", peer: peer))
        let progress: (@Sendable (Comparison.Progress) -> Void)? = display.map { show in
            { @Sendable p in show(ProgressLine.redraw + ProgressLine.text(p)) }
        }
        let summaries = comparison.run(reporter: reporter, progress: progress)
        display?(ProgressLine.redraw)
        if format == .table {
            output.write(CompareTable.render(summaries, rounds: rounds, settings: comparison.settings))
        }
        if let plotPath { try Self.writeAtomically(SweepPlot.render(summaries), to: plotPath) }
        // Every tool skipped (none installed, no device for the measurement asked for) is no
        // comparison: an error, not a pass.
        if !summaries.contains(where: { !$0.values.isEmpty }) { return Self.nothingMeasured }
        let failed = summaries.contains { $0.runs > $0.values.count }
        return failed ? 1 : 0
    }

    /// `run`'s status when no tool measured anything.
    public static let nothingMeasured: Int32 = 2

    /// Writes through a temporary file and a rename, so a reader never sees half a chart.
    static func writeAtomically(_ text: String, to path: String) throws(PlotError) {
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)) else {
            throw PlotError(path: path, why: "cannot create \(tmp)")
        }
        do { _ = try sys { rename(tmp, path) } } catch {
            unlink(tmp)
            throw PlotError(path: path, why: error.symbol)
        }
    }
}

/// The one-line progress display for a terminal.
enum ProgressLine {
    /// Back to the start of the line, erase it.
    static let redraw = "\r\u{1B}[K"

    static func text(_ p: Comparison.Progress) -> String {
        let size = p.size.map { " \($0) B" } ?? ""
        return "round \(p.round)/\(p.rounds)  \(p.tool) \(p.measurement.rawValue)\(size)  about \(Int(p.secondsLeft.rounded())) s left"
    }
}
