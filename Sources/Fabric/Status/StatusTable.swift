/// The `ibsetup status` table: one line per port and IPoIB netdev (a port
/// with none gets one line with `-`), then one verdict line per netdev.
extension FabricSnapshot {
    public func statusTable(ports selected: [Port], interfaces shown: [IPoIBInterface], opensm: [Int]) -> String {
        var rows: [[String]] = [["DEVICE", "PORT", "STATE", "PHYS", "RATE", "LINK", "LID", "SM", "NETDEV", "MODE", "MTU", "CM"]]
        for port in selected {
            let sm = PortSubnetManager(judging: port)
            let smText: String = switch sm.presence {
            case .serving: hex(sm.smLID ?? 0, width: 0) + (sm.isLocal ? " (local)" : "")
            case .notNeeded: "not needed"
            case .absent: "none"
            case .linkDown: "-"
            case .unknown: "?"
            }
            let base = [port.device, String(port.number), port.state?.description ?? "?",
                        port.physicalState?.description ?? "?", port.rate?.text ?? "?",
                        port.linkLayer?.rawValue ?? "?", port.lid.map { hex($0, width: 0) } ?? "?", smText]
            let netdevs = interfaces(on: port.address).filter { n in shown.contains { $0.name == n.name } }
            if netdevs.isEmpty {
                rows.append(base + [port.linkLayer == .ethernet ? (port.ethernetNetdev.map { "(\($0))" } ?? "-") : "-", "-", "-", "-"])
            }
            for netdev in netdevs {
                rows.append(base + [netdev.name, netdev.mode?.rawValue ?? "-", netdev.mtu.map(String.init) ?? "?",
                                    netdev.connectedModeKnown.map { $0 ? "yes" : "no" } ?? "?"])
            }
        }
        var lines = Self.align(rows)
        for netdev in shown {
            let r = Readiness(judging: netdev, in: self)
            lines.append("\(netdev.name): \(r.verdict.rawValue): \(r.reason)" + (r.fix.map { "; fix: \($0)" } ?? ""))
        }
        for port in selected where port.linkLayer == .infiniband && interfaces(on: port.address).isEmpty {
            lines.append("\(port.address): no IPoIB interface; load the module: modprobe ib_ipoib")
        }
        if !opensm.isEmpty {
            lines.append("opensm running on this host (pid \(opensm.map(String.init).joined(separator: ", ")))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func align(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }
    }
}
