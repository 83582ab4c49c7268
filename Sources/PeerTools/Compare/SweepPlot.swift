#if canImport(Glibc)
import Glibc
#endif
import BenchCore

/// A self-contained SVG of a size sweep: one chart per measurement (throughput or latency
/// against message size, log-2 size axis), one line per tool with its median per size.
/// No scripts, fonts or external references: any browser or image viewer shows it.
public enum SweepPlot {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"]
    static let width = 720.0, chartHeight = 360.0
    static let left = 80.0, right = 150.0, top = 40.0, bottom = 50.0

    public static func render(_ summaries: [CompareSummary]) -> String {
        let measurements = summaries.reduce(into: [Measurement]()) { ms, s in
            if s.size != nil, s.median != nil, !ms.contains(s.measurement) { ms.append(s.measurement) }
        }
        let height = Double(Swift.max(1, measurements.count)) * chartHeight
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>

            """
        if measurements.isEmpty {
            svg += "<text x=\"20\" y=\"40\">no sweep results to plot</text>\n"
        }
        for (k, m) in measurements.enumerated() {
            svg += chart(m, summaries.filter { $0.measurement == m && $0.size != nil && $0.median != nil },
                         y0: Double(k) * chartHeight)
        }
        return svg + "</svg>\n"
    }

    static func chart(_ m: Measurement, _ points: [CompareSummary], y0: Double) -> String {
        let sizes = points.compactMap(\.size)
        let xs = sizes.map { log2(Double($0)) }
        let xMin = xs.min()!, xMax = Swift.max(xs.max()!, xMin + 1)
        let (scale, unit) = displayScale(m, points.compactMap(\.median).max()!)
        let yMax = niceCeiling(points.compactMap(\.median).max()! / scale)
        let plotW = width - left - right, plotH = chartHeight - top - bottom
        func px(_ size: Int) -> Double { left + (log2(Double(size)) - xMin) / (xMax - xMin) * plotW }
        func py(_ v: Double) -> Double { y0 + top + plotH - (v / scale) / yMax * plotH }
        var s = "<g>\n<text x=\"\(left)\" y=\"\(y0 + 24)\" font-size=\"14\" font-weight=\"bold\">"
            + MarkupText.escape("\(m.title) vs message size (\(m.better))") + "</text>\n"
        // Axes, grid and ticks.
        s += line(left, y0 + top, left, y0 + top + plotH, "#000")
        s += line(left, y0 + top + plotH, left + plotW, y0 + top + plotH, "#000")
        for i in 0...4 {
            let v = yMax * Double(i) / 4
            let y = y0 + top + plotH - Double(i) / 4 * plotH
            s += line(left, y, left + plotW, y, "#ddd")
            s += text(left - 6, y + 4, fmt(v), anchor: "end")
        }
        for size in Set(sizes).sorted() {
            s += text(px(size), y0 + top + plotH + 16, sizeLabel(size), anchor: "middle")
        }
        s += text(left + plotW / 2, y0 + chartHeight - 12, "message size (bytes, log scale)", anchor: "middle")
        s += "<text transform=\"translate(16,\(fmt(y0 + top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(MarkupText.escape(unit))</text>\n"
        // One line per tool.
        let tools = points.reduce(into: [String]()) { t, p in if !t.contains(p.tool) { t.append(p.tool) } }
        for (i, tool) in tools.enumerated() {
            let color = palette[i % palette.count]
            let mine = points.filter { $0.tool == tool }.sorted { $0.size! < $1.size! }
            let coords = mine.map { "\(fmt(px($0.size!))),\(fmt(py($0.median!)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(coords)\"/>\n"
            for p in mine {
                s += "<circle cx=\"\(fmt(px(p.size!)))\" cy=\"\(fmt(py(p.median!)))\" r=\"3\" fill=\"\(color)\"/>\n"
            }
            let ly = y0 + top + 10 + Double(i) * 18
            s += line(width - right + 16, ly, width - right + 40, ly, color, width: 2)
            s += text(width - right + 46, ly + 4, tool, anchor: "start")
        }
        return s + "</g>\n"
    }

    /// Divisor and axis label: Gbit/s or Mbit/s for throughput, µs for latency.
    static func displayScale(_ m: Measurement, _ top: Double) -> (Double, String) {
        if m.isLatency { return (1e3, "round-trip latency (µs)") }
        return top >= 1e9 ? (1e9, "throughput (Gbit/s)") : (1e6, "throughput (Mbit/s)")
    }

    static func niceCeiling(_ v: Double) -> Double {
        guard v > 0 else { return 1 }
        var step = 1.0
        while step * 10 <= v { step *= 10 }
        while step > v { step /= 10 }
        for k in [1.0, 2, 2.5, 5, 10] where k * step >= v { return k * step }
        return 10 * step
    }

    static func sizeLabel(_ n: Int) -> String {
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20)M" }
        if n >= 1 << 10, n % (1 << 10) == 0 { return "\(n >> 10)K" }
        return String(n)
    }

    static func fmt(_ v: Double) -> String { Units.fixed(v, v.magnitude >= 100 || v == v.rounded() ? 0 : 1) }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: String, width: Double = 1) -> String {
        "<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(color)\" stroke-width=\"\(fmt(width))\"/>\n"
    }

    static func text(_ x: Double, _ y: Double, _ t: String, anchor: String) -> String {
        "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" text-anchor=\"\(anchor)\">\(MarkupText.escape(t))</text>\n"
    }
}
