import ArgumentParser
import CommandSupport
import LinkSetup

extension RequestedMode: ExpressibleByArgument {}
extension StanzaFormat: ExpressibleByArgument {}

/// The link settings `up` and `stanza` share.
struct LinkSettingsOptions: ParsableArguments {
    @Option(name: .customLong("address"),
            help: ArgumentHelp("An address with its prefix length, IPv4 or IPv6 (repeatable).", valueName: "cidr"))
    var addresses: [String] = []

    @Option(help: "connected (MTU up to 65520), datagram (MTU from the subnet manager), or auto (connected where the HCA can).")
    var mode: RequestedMode = .connected

    // The range depends on the mode; LinkSetup checks it and says which.
    @Option(help: "MTU in bytes (default: 65520 in connected mode, the broadcast group's in datagram mode).")
    var mtu: Int?

    @Option(help: ArgumentHelp("Configure the P_Key child IFACE.PKEY instead, creating it if missing (hex, e.g. 0x8001).",
                               valueName: "pkey"))
    var pkey: String?

    @Option(help: ArgumentHelp("YAML file with settings for several interfaces (see configs/ipoib.yaml).", valueName: "file"))
    var config: String?

    var givesLinkSettings: Bool { !addresses.isEmpty || mode != .connected || mtu != nil || pkey != nil }

    /// The requests: from `--config` (all entries, or the one named), or from the options.
    func requests(interface: String?) throws(LinkSetupError) -> [UpRequest] {
        if let config {
            let all = try LinkConfig.loadEntries(path: config)
            guard let interface else { return all.map(\.request) }
            // The entry of that name (`ib0` is not its child `ib0.8001`), else the one that
            // configures it (`ib0: {pkey: 0x8001}` for ib0.8001).
            let named = all.filter { $0.name == interface }
            let picked = named.isEmpty ? all.filter { $0.request.target == interface } : named
            guard !picked.isEmpty else {
                throw .config(file: config, reason: "no entry for \(interface)")
            }
            return picked.map(\.request)
        }
        guard let interface else { return [] }
        var parsed: [InterfaceAddress] = []
        for text in addresses { parsed.append(try InterfaceAddress(cidr: text)) }
        let key = try pkey.map { text throws(LinkSetupError) in try PKey(parsing: text) }
        return [try UpRequest(interface: interface, pkey: key, mode: mode, mtu: mtu, addresses: parsed)]
    }

    /// `requests(interface:)` for a command's `run`: a value on the command line that LinkSetup
    /// refuses (an MTU out of range, a bad P_Key) is a usage error, as an out-of-range value of
    /// any other option is; one from a `--config` file is an error in the file.
    func checkedRequests(interface: String?) throws -> [UpRequest] {
        do { return try requests(interface: interface) } catch {
            throw Outcome(config == nil ? .usage : .error, message: String(describing: error))
        }
    }

    func validate(interface: String?) throws {
        if config != nil, givesLinkSettings {
            throw ValidationError("--config takes the settings from the file; leave out --address, --mode, --mtu and --pkey")
        }
        if config == nil, interface == nil {
            throw ValidationError("name the interface (e.g. ib0) or give --config FILE")
        }
    }
}

/// Runs a LinkSetup call with the standard console; its error becomes the outcome
/// (1: the check said no; 2: error), printed as one line.
func runLinkSetup(_ body: (Console) throws(LinkSetupError) -> Void) throws {
    do {
        try body(.standard)
    } catch {
        try Outcome(error.isCheckFailure ? .failed : .error, message: String(describing: error)).end()
    }
}

extension Console {
    /// Results on stdout, warnings on stderr, a line at a time.
    static let standard = Console(out: StandardOutput.line, err: StandardError.line)
}
