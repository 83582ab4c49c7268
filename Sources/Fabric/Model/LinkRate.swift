/// InfiniBand lane speeds, as the kernel names them in `rate`.
public enum LinkSpeed: String, Sendable, CaseIterable {
    case sdr = "SDR", ddr = "DDR", qdr = "QDR", fdr10 = "FDR10", fdr = "FDR"
    case edr = "EDR", hdr = "HDR", ndr = "NDR", xdr = "XDR"
}

/// A port's rate (`ports/<n>/rate`, `"%d%s Gb/sec (%dX%s)"`), e.g.
/// `40 Gb/sec (4X QDR)`, `2.5 Gb/sec (1X SDR)`, or `10 Gb/sec (4X)` on kernels
/// that printed no name for SDR.
public struct LinkRate: Hashable, Sendable, CustomStringConvertible {
    /// The number the kernel prints, in Gbit/s (10^9 bit/s): the signalling
    /// rate for SDR/DDR/QDR, about the data rate from FDR10 on.
    public var gbitPerSecond: Double
    /// Lanes: 1, 2, 4, 8 or 12.
    public var width: Int
    /// The lane speed; for old kernels that print none it is worked out from
    /// the rate and the width (2.5 Gbit/s per lane is SDR).
    public var speed: LinkSpeed?
    /// The text as the kernel printed it.
    public var text: String

    public var description: String { text }

    /// Parses the kernel's `rate` text; nil when it does not have that shape.
    public init?(sysfs text: String) {
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count == 3, parts[1] == "Gb/sec",
              let gbit = Double(parts[0]), gbit >= 0,
              parts[2].hasPrefix("("), parts[2].hasSuffix(")") else { return nil }
        let inner = parts[2].dropFirst().dropLast()
        let words = inner.split(separator: " ")
        guard let lanes = words.first, lanes.hasSuffix("X"), let width = Int(lanes.dropLast()),
              width > 0, words.count <= 2 else { return nil }
        var speed: LinkSpeed?
        if words.count == 2 {
            guard let named = LinkSpeed(rawValue: String(words[1])) else { return nil }
            speed = named
        } else if gbit * 10 == Double(25 * width) {
            speed = .sdr
        }
        self.gbitPerSecond = gbit
        self.width = width
        self.speed = speed
        self.text = text
    }
}
