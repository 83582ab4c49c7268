import SystemPackage

/// One port's counters as the kernel shows them: the standard port counters the HCA's
/// performance management agent keeps (`ports/N/counters/`, what perfquery reads over
/// MADs) and the driver's own (`ports/N/hw_counters/`).
public struct PortCounters: Sendable, Equatable {
    public var device: String
    public var port: Int
    public var counters: [String: UInt64]
    public var hardware: [String: UInt64]
    /// Counter files whose text is not a count, one line each, for the reader to show.
    public var problems: [String]

    public init(device: String, port: Int, counters: [String: UInt64], hardware: [String: UInt64], problems: [String] = []) {
        self.device = device
        self.port = port
        self.counters = counters
        self.hardware = hardware
        self.problems = problems
    }

    public var name: String { "\(device):\(port)" }
}

/// Which port or ports to read: every one, one device's, or one.
public struct CounterTarget: Sendable, Equatable {
    public var device: String?
    public var port: Int?

    public init(device: String? = nil, port: Int? = nil) {
        self.device = device
        self.port = port
    }

    /// `DEV` or `DEV:PORT`; nil for text that is neither.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty else { return nil }
        device = String(parts[0])
        if parts.count == 2 {
            guard let p = Int(parts[1]), (1...255).contains(p) else { return nil }
            port = p
        }
    }
}

public struct CounterReadError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

extension PortCounters {
    /// Every port `target` names, under `root`. Counters a port cannot read (an HCA
    /// without extended counters answers EINVAL for some) are left out.
    public static func read(root: FilePath, target: CounterTarget = CounterTarget()) throws(CounterReadError) -> [PortCounters] {
        let sysfs = Sysfs(root: root)
        let base = sysfs.path("sys/class/infiniband")
        let devices: [String]
        do { devices = try sysfs.list(base) } catch {
            throw CounterReadError(description: "\(base): no InfiniBand devices (\(error.symbol)); "
                                   + "load the HCA driver, or give --sysfs-root for a captured tree")
        }
        var found: [PortCounters] = []
        for device in devices where target.device == nil || target.device == device {
            let ports = ((try? sysfs.list(base.appending("\(device)/ports"))) ?? []).compactMap(Int.init)
            for port in ports where target.port == nil || target.port == port {
                let dir = base.appending("\(device)/ports/\(port)")
                var problems: [String] = []
                let name = "\(device):\(port)"
                found.append(PortCounters(device: device, port: port,
                                          counters: values(sysfs, dir.appending("counters"), port: name, problems: &problems),
                                          hardware: values(sysfs, dir.appending("hw_counters"), port: name, problems: &problems),
                                          problems: problems))
            }
        }
        if found.isEmpty {
            let what = target.device.map { d in target.port.map { "\(d):\($0)" } ?? d } ?? "any device"
            throw CounterReadError(description: "\(what): no such port (found: \(devices.isEmpty ? "no devices" : devices.joined(separator: ", "))); "
                                   + "run ibsetup status")
        }
        return found
    }

    /// The counters in `dir`. A file the kernel will not read is left out (an HCA without
    /// extended counters answers EINVAL, or shows "N/A (no PMA)"); one whose text is not a
    /// count otherwise is a problem.
    private static func values(_ sysfs: Sysfs, _ dir: FilePath, port: String, problems: inout [String]) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for name in (try? sysfs.list(dir)) ?? [] {
            guard let text = try? sysfs.read(dir.appending(name)) else { continue }
            if let v = UInt64(text.filter { !$0.isWhitespace }) {
                out[name] = v
            } else if !text.hasPrefix("N/A") {   // "N/A (no PMA)": the port does not keep that counter
                let shown = String(text.reversed().drop { $0.isWhitespace }.reversed())
                problems.append("\(port): counter \(name) reads \(quoted(shown)), not a count; left out")
            }
        }
        return out
    }
}
