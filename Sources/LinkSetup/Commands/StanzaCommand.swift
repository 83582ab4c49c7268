import SystemPackage

/// Everything `ibsetup stanza` was asked.
public struct StanzaOptions: Sendable {
    public var requests: [UpRequest]
    public var format: StanzaFormat
    public var dhcp: Bool
    public var write: Bool
    /// Where the configuration lives: `/`, or an image or test directory.
    public var root: String
    /// Where to look at the interface to resolve `--mode auto`.
    public var sysfsRoot: String?

    public init(requests: [UpRequest], format: StanzaFormat = .ifupdown, dhcp: Bool = false, write: Bool = false,
                root: String = "/", sysfsRoot: String? = nil) {
        self.requests = requests
        self.format = format
        self.dhcp = dhcp
        self.write = write
        self.root = root
        self.sysfsRoot = sysfsRoot
    }
}

public enum StanzaCommand {
    /// `ibsetup stanza`: prints the configuration, or installs it with `write`.
    public static func run(_ options: StanzaOptions, console: Console) throws(LinkSetupError) {
        let sysfs = SysfsReader(root: FilePath(options.sysfsRoot ?? "/"))
        var files: [StanzaFile] = []
        for request in options.requests {
            let settings = StanzaSettings(request, mode: try resolveMode(request, sysfs: sysfs), dhcp: options.dhcp)
            files += StanzaRenderer.render(settings, format: options.format)
        }
        for note in files.flatMap(\.leftOut) { console.err("warning: " + note) }
        guard options.write else {
            let printed = files.filter { $0.commands == nil }.count
            for (number, file) in files.enumerated() {
                if number > 0 { console.out("") }
                if let commands = file.commands {
                    console.out(String(commands.dropLast()))
                    continue
                }
                if printed > 1 { console.out("# \(file.path)") }
                console.out(String(file.contents.dropLast()))
            }
            return
        }
        let report = try StanzaWriter(root: FilePath(options.root)).install(files, format: options.format)
        for warning in report.warnings { console.err("warning: " + warning) }
        for path in report.removed { console.out("\(path): removed, a temporary file an interrupted run left") }
        for path in report.unchanged { console.out("\(path): unchanged") }
        for path in report.backups { console.out("\(path): backup of the previous file") }
        for path in report.written { console.out("\(path): written") }
    }

    /// connected/datagram as asked; `auto` and `connected` checked against the
    /// interface when it can be read (connected needs address flag 0x80). An interface
    /// that is here must be IPoIB: the stanza writes its IPoIB `mode` file.
    static func resolveMode(_ request: UpRequest, sysfs: SysfsReader) throws(LinkSetupError) -> IPoIBMode {
        let state = sysfs.linkState(request.interface)
        if let state, !state.isIPoIB { throw .notIPoIB(state.name, type: state.hardwareType) }
        let canConnect = state.map { $0.connectedModeCapable && $0.mode != nil }
        switch request.mode {
        case .datagram: return .datagram
        case .connected:
            if canConnect == false { throw .connectedModeUnsupported(request.interface) }
            return .connected
        case .auto:
            guard let canConnect else {
                throw .unsupported(request.interface, what: "not on this host, so --mode auto cannot check for connected mode",
                                  next: "give --mode connected or --mode datagram")
            }
            return canConnect ? .connected : .datagram
        }
    }
}
