import BenchCore

/// The mesh as an N × N heatmap a person can open in any browser: one self-contained
/// SVG (no scripts, fonts, images or style sheets from elsewhere), so it can be
/// mailed, attached to a ticket or archived with the run.
///
/// Row = sender, column = receiver, nodes sorted by name. Colour is bandwidth relative
/// to the run's median, red at half of it or less, yellow at 75 %, green from 100 %;
/// flagged links get a black frame; each cell's tooltip gives the figures.
public enum HeatmapSVG {
    public static func render(
        _ results: [LinkResult], hosts: [String], flagged: Set<DirectedLink>, baseline: Baseline,
        title: String
    ) -> String {
        let nodes = NaturalOrder.sorted(hosts)
        let byLink = results.latest(phase: .mesh)
        let n = max(nodes.count, 1)
        let cell = min(32, max(6, 720 / n))
        let font = min(12, max(5, cell * 3 / 4))
        let label = nodes.map(\.count).max().map { $0 * font * 6 / 10 + 8 } ?? 8
        let left = 24 + label, top = 40 + label
        let legendTop = top + n * cell + 24
        let width = max(left + n * cell + 16, left + 360)
        let height = legendTop + 70
        let median = baseline.medianBandwidthBitsPerSecond

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="\(font)">
            <title>\(MarkupText.escape(title))</title>
            <rect width="100%" height="100%" fill="#ffffff"/>
            <text x="\(left)" y="16" font-size="14" font-weight="bold">\(MarkupText.escape(title))</text>
            <text x="\(left + n * cell / 2)" y="34" text-anchor="middle">receiver (to)</text>
            <text x="12" y="\(top + n * cell / 2)" text-anchor="middle" \
            transform="rotate(-90 12 \(top + n * cell / 2))">sender (from)</text>

            """
        for (i, node) in nodes.enumerated() {
            let x = left + i * cell + cell / 2 + font / 3, y = top - 6
            svg += "<text x=\"\(x)\" y=\"\(y)\" transform=\"rotate(-90 \(x) \(y))\">\(MarkupText.escape(node))</text>\n"
            svg += "<text x=\"\(left - 6)\" y=\"\(top + i * cell + cell / 2 + font / 3)\" text-anchor=\"end\">\(MarkupText.escape(node))</text>\n"
        }
        for (r, from) in nodes.enumerated() {
            for (c, to) in nodes.enumerated() {
                let x = left + c * cell, y = top + r * cell
                let link = DirectedLink(from: from, to: to)
                let (fill, tip) = from == to ? ("#ffffff", "\(from)") : look(byLink[link], link: link, median: median)
                svg += "<rect class=\"cell\" x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(fill)\" "
                    + "stroke=\"#ffffff\" stroke-width=\"1\"><title>\(MarkupText.escape(tip))</title></rect>\n"
                if flagged.contains(link) {
                    let w = max(1, cell / 8)
                    svg += "<rect class=\"flagged\" x=\"\(x + w)\" y=\"\(y + w)\" width=\"\(cell - 2 * w)\" "
                        + "height=\"\(cell - 2 * w)\" fill=\"none\" stroke=\"#000000\" stroke-width=\"\(w)\"/>\n"
                }
            }
        }
        svg += legend(left: left, top: legendTop, median: median)
        return svg + "</svg>\n"
    }

    /// Fill colour and tooltip of one off-diagonal cell.
    static func look(_ result: LinkResult?, link: DirectedLink, median: Double?) -> (String, String) {
        let arrow = "\(link.from) → \(link.to)"
        guard let result else { return (missingColour, "\(arrow): not measured") }
        guard let bw = result.usableBandwidth else {
            return (failedColour, "\(arrow): failed" + (result.reason.map { " (\($0))" } ?? ""))
        }
        var tip = "\(arrow): \(gbits(bw))"
        var fill = colour(ratio: 1)
        if let median, median > 0 {
            tip += " (\(percent(bw / median)) of the median)"
            fill = colour(ratio: bw / median)
        }
        if let lat = result.usableLatency { tip += ", \(rounded(lat / 1000, places: 1)) µs round trip" }
        return (fill, tip)
    }

    static let missingColour = "#d9d9d9"
    static let failedColour = "#404040"
    /// Red, yellow, green: the ColorBrewer RdYlGn ends and middle.
    static let stops: [(ratio: Double, rgb: (Double, Double, Double))] = [
        (0.5, (215, 48, 39)), (0.75, (254, 224, 139)), (1.0, (26, 152, 80)),
    ]

    /// The colour of bandwidth at `ratio` × the median, clamped to 0.5...1.
    static func colour(ratio: Double) -> String {
        let r = min(max(ratio.isFinite ? ratio : 0, stops[0].ratio), stops[2].ratio)
        let upper = r <= stops[1].ratio ? 1 : 2
        let (a, b) = (stops[upper - 1], stops[upper])
        let t = (r - a.ratio) / (b.ratio - a.ratio)
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * t).rounded()) }
        return "#" + [mix(a.rgb.0, b.rgb.0), mix(a.rgb.1, b.rgb.1), mix(a.rgb.2, b.rgb.2)].map(hex).joined()
    }

    static func legend(left: Int, top: Int, median: Double?) -> String {
        let barWidth = 200
        var s = "<defs><linearGradient id=\"ratio\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">"
        for stop in stops {
            let offset = Int(((stop.ratio - 0.5) / 0.5 * 100).rounded())
            s += "<stop offset=\"\(offset)%\" stop-color=\"\(colour(ratio: stop.ratio))\"/>"
        }
        s += "</linearGradient></defs>\n"
        s += "<g class=\"legend\" font-size=\"11\">\n"
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(barWidth)\" height=\"12\" fill=\"url(#ratio)\"/>\n"
        for (ratio, text) in [(0.5, "≤ 50 %"), (0.75, "75 %"), (1.0, "≥ 100 %")] {
            let x = left + Int((ratio - 0.5) / 0.5 * Double(barWidth))
            s += "<text x=\"\(x)\" y=\"\(top + 26)\" text-anchor=\"middle\">\(text)</text>\n"
        }
        let medianText = median.map { "of the median bandwidth (\(gbits($0)))" } ?? "of the median bandwidth (none measured)"
        s += "<text x=\"\(left)\" y=\"\(top + 42)\">\(MarkupText.escape(medianText))</text>\n"
        let kx = left + barWidth + 48
        s += "<rect x=\"\(kx)\" y=\"\(top)\" width=\"12\" height=\"12\" fill=\"\(colour(ratio: 1))\"/>"
        s += "<rect x=\"\(kx + 1)\" y=\"\(top + 1)\" width=\"10\" height=\"10\" fill=\"none\" stroke=\"#000000\" stroke-width=\"2\"/>"
        s += "<text x=\"\(kx + 16)\" y=\"\(top + 10)\">flagged</text>\n"
        s += "<rect x=\"\(kx)\" y=\"\(top + 16)\" width=\"12\" height=\"12\" fill=\"\(failedColour)\"/>"
        s += "<text x=\"\(kx + 16)\" y=\"\(top + 26)\">failed</text>\n"
        s += "<rect x=\"\(kx)\" y=\"\(top + 32)\" width=\"12\" height=\"12\" fill=\"\(missingColour)\"/>"
        s += "<text x=\"\(kx + 16)\" y=\"\(top + 42)\">not measured</text>\n"
        return s + "</g>\n"
    }

    static func hex(_ v: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[(v >> 4) & 15], digits[v & 15]])
    }
}
