/// The first line netperf prints (unless `-P 0`):
/// `MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : +/-2.500% @ 99% conf.  : histogram : demo`
struct NetperfBanner: Equatable {
    /// netperf's test name: TCP_STREAM, TCP_MAERTS, TCP_RR, UDP_STREAM, UDP_RR, …
    var test: String
    var peer: String?
    /// `-I 99,5`: level in percent and the half width asked for.
    var confidenceLevel: String?
    var confidenceHalfWidth: String?

    init?(_ line: Substring) {
        guard let testRange = line.firstRange(of: " TEST from ") ?? line.firstRange(of: " TEST to ") else { return nil }
        var words = line[..<testRange.lowerBound].split(separator: " ")
        if words.first == "MIGRATED" { words.removeFirst() }
        guard words.count >= 2, words.count <= 3 else { return nil }
        let proto = words[0]
        let kind = words[1...].joined(separator: " ")
        switch kind {
        case "STREAM": test = "\(proto)_STREAM"
        case "MAERTS": test = "\(proto)_MAERTS"
        case "REQUEST/RESPONSE": test = "\(proto)_RR"
        case "Connect/Request/Response": test = "\(proto)_CRR"
        default: test = (words.map(String.init)).joined(separator: "_")
        }
        if let to = line.firstRange(of: " to ") {
            let rest = line[to.upperBound...].split(separator: " ")
            peer = rest.first.map(String.init)
        }
        if let conf = line.firstRange(of: ": +/-") {
            // "+/-2.500% @ 99% conf."
            let rest = line[conf.upperBound...].split(separator: " ")
            if rest.count >= 3 {
                confidenceHalfWidth = String(rest[0].dropLast())
                confidenceLevel = String(rest[2].dropLast())
            }
        }
    }
}
