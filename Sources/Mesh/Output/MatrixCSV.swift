/// `matrix-bw.csv` and `matrix-lat.csv`: the mesh as an N × N table that a spreadsheet
/// or pandas opens directly. Row = sender (`from`), column = receiver (`to`), nodes
/// sorted by name (`n2` before `n10`); the diagonal and links without a passing result are empty cells,
/// so every filled cell is a number. The unit is in the corner cell.
public enum MatrixCSV {
    /// Bandwidth, bit/s, whole numbers.
    public static func bandwidth(_ results: [LinkResult], hosts: [String]) -> String {
        render(results, hosts: hosts, corner: "from\\to [bit/s]") { $0.usableBandwidth }
    }

    /// Round-trip latency, ns, whole numbers.
    public static func latency(_ results: [LinkResult], hosts: [String]) -> String {
        render(results, hosts: hosts, corner: "from\\to [ns]") { $0.usableLatency }
    }

    static func render(
        _ results: [LinkResult], hosts: [String], corner: String, value: (LinkResult) -> Double?
    ) -> String {
        let byLink = results.latest(phase: .mesh)
        let nodes = NaturalOrder.sorted(hosts)
        var lines = [([corner] + nodes).map(field).joined(separator: ",")]
        for from in nodes {
            let cells = nodes.map { to -> String in
                guard from != to, let v = byLink[DirectedLink(from: from, to: to)].flatMap(value) else { return "" }
                return wholeNumber(v)
            }
            lines.append(([field(from)] + cells).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 quoting, for the odd host name with a comma or quote in it.
    static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + s.replacingAll("\"", with: "\"\"") + "\"" : s
    }
}

/// `v` rounded to a whole number, without exponent.
func wholeNumber(_ v: Double) -> String {
    v.isFinite && abs(v) < 9e18 ? String(Int(v.rounded())) : String(v)
}

extension String {
    /// Every `target` replaced (Foundation-free).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
