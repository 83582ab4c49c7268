import Foundation
import Yams

/// A YAML file with `ibsetup up` settings for several interfaces
/// (example: `configs/ipoib.yaml`):
///
/// ```yaml
/// interfaces:
///   ib0:
///     mode: connected          # connected | datagram | auto
///     mtu: 65520
///     addresses: [10.0.0.1/24, "fd00::1/64"]
///   ib0.8001:                  # the P_Key child of ib0 (or: ib0 with pkey)
///     pkey: 0x8001             # hexadecimal, as everywhere for P_Keys
///     mode: auto
///     addresses: [10.1.0.1/24]
/// ```
public enum LinkConfig {
    static let keys: Set<String> = ["mode", "mtu", "pkey", "addresses"]

    /// One interface's settings, under the name the file gives them.
    public struct Entry: Sendable {
        /// The key: `ib0`, or `ib0.8001` for a child (which `ib0` with a `pkey` also names).
        public let name: String
        public let request: UpRequest
    }

    /// Reads and validates `path`; every entry becomes one request, in file order.
    public static func load(path: String) throws(LinkSetupError) -> [UpRequest] {
        try loadEntries(path: path).map(\.request)
    }

    public static func parse(_ text: String, file: String) throws(LinkSetupError) -> [UpRequest] {
        try entries(text, file: file).map(\.request)
    }

    /// `load(path:)` with each request's name in the file.
    public static func loadEntries(path: String) throws(LinkSetupError) -> [Entry] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unsupported(path, what: "no such file", next: "check the --config path (an example: configs/ipoib.yaml)")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw .unsupported(path, what: isDirectory.boolValue ? "is a directory, not a config file" : "cannot be read (permissions?)",
                               next: "give the YAML file, e.g. configs/ipoib.yaml")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .config(file: path, reason: "not UTF-8 text")
        }
        return try entries(text, file: path)
    }

    public static func entries(_ text: String, file: String) throws(LinkSetupError) -> [Entry] {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw .config(file: file, reason: "not valid YAML, " + describe(error))
        }
        guard let top = root?.mapping else {
            throw .config(file: file, reason: "expected a mapping with the key 'interfaces'")
        }
        for (key, _) in top where key.string != "interfaces" {
            throw .config(file: file, reason: "line \(line(key)): unknown key '\(key.string ?? "?")', expected 'interfaces'")
        }
        guard let interfaces = top["interfaces"]?.mapping, !interfaces.isEmpty else {
            throw .config(file: file, reason: "'interfaces' must map interface names to settings")
        }
        var entries: [Entry] = []
        for (nameNode, settingsNode) in interfaces {
            let name = nameNode.string ?? ""
            let at = "line \(line(nameNode)), \(name)"
            do throws(LinkSetupError) {
                entries.append(Entry(name: name, request: try request(name: name, settingsNode, at: at, file: file)))
            } catch let error {
                if case .config = error { throw error }
                // That error names the interface itself: say only where.
                if case .invalidInterfaceName = error { throw .config(file: file, reason: "line \(line(nameNode)): \(error)") }
                throw .config(file: file, reason: "\(at): \(error)")
            }
        }
        let targets = entries.map(\.request.target)
        if let duplicate = targets.first(where: { name in targets.filter { $0 == name }.count > 1 }) {
            throw .config(file: file, reason: "\(duplicate) is configured twice")
        }
        return entries
    }

    private static func request(name: String, _ node: Node, at: String, file: String) throws(LinkSetupError) -> UpRequest {
        let settings: Node.Mapping
        if node.mapping != nil { settings = node.mapping! }
        else if node.scalar?.string.isEmpty == true || node.null != nil { settings = Node.Mapping([]) }
        else { throw .config(file: file, reason: "\(at): settings must be a mapping (mode, mtu, pkey, addresses)") }
        for (key, _) in settings where !keys.contains(key.string ?? "") {
            throw .config(file: file, reason: "line \(line(key)): unknown setting '\(key.string ?? "?")', expected one of mode, mtu, pkey, addresses")
        }
        var mode = RequestedMode.connected
        if let text = try scalar("mode", of: settings, at: at, file: file) {
            guard let parsed = RequestedMode(rawValue: text) else {
                throw .config(file: file, reason: "\(at): mode '\(text)' is not connected, datagram or auto")
            }
            mode = parsed
        }
        var mtu: Int?
        if let text = try scalar("mtu", of: settings, at: at, file: file) {
            guard let value = Int(text) else { throw .config(file: file, reason: "\(at): mtu '\(text)' is not a number") }
            mtu = value
        }
        let pkey = try scalar("pkey", of: settings, at: at, file: file).map { text throws(LinkSetupError) in try PKey(parsing: text) }
        var addresses: [InterfaceAddress] = []
        if let list = settings["addresses"] {
            let items = list.sequence.map { Array($0) } ?? [list]
            for item in items {
                guard let text = item.string else {
                    throw .config(file: file, reason: "\(at): addresses must be a list of ADDRESS/PREFIX strings")
                }
                addresses.append(try InterfaceAddress(cidr: text))
            }
        }
        // `ib0.8001: {pkey: 0x8001}` names the child itself; `ib0: {pkey: 0x8001}` its parent.
        var interface = name
        if let pkey, let dot = name.lastIndex(of: "."), pkey.childName(of: String(name[..<dot])) == name {
            interface = String(name[..<dot])
        }
        return try UpRequest(interface: interface, pkey: pkey, mode: mode, mtu: mtu, addresses: addresses)
    }

    /// The text of setting `key`, nil when it is not there; a list or mapping where one value
    /// belongs is an error, not a setting left out.
    private static func scalar(_ key: String, of settings: Node.Mapping, at: String, file: String) throws(LinkSetupError) -> String? {
        guard let node = settings[key] else { return nil }
        guard let scalar = node.scalar else {
            throw .config(file: file, reason: "\(at): \(key) must be a single value, not a list or mapping")
        }
        return scalar.string
    }

    private static func line(_ node: Node) -> Int { node.mark?.line ?? 0 }

    /// libyaml's problem and position on one line.
    private static func describe(_ error: any Error) -> String {
        guard let yaml = error as? YamlError else { return String(describing: error) }
        switch yaml {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
            return "line \(mark.line) column \(mark.column): \(what)"
        case let .reader(problem, _, _, _): return problem
        default: return String(describing: yaml).split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }
}
