/// Whether an IPoIB interface can run connected mode at MTU 65520.
public struct Readiness: Hashable, Sendable {
    public enum Verdict: String, Sendable {
        /// Already in connected mode at 65520.
        case configured
        /// Can be brought there; `fix` says how.
        case ready
        /// Cannot: `reason` says why, `fix` what to do.
        case blocked
    }

    public var interface: String
    public var verdict: Verdict
    public var reason: String
    /// The command (or action) that fixes it; nil when nothing is needed.
    public var fix: String?

    /// Judges `interface` in `snapshot`.
    public init(judging interface: IPoIBInterface, in snapshot: FabricSnapshot) {
        self.interface = interface.name
        let name = interface.name
        guard let address = interface.port, let port = snapshot.port(address) else {
            verdict = .blocked
            reason = "cannot tell which HCA port it is on"
            fix = "check /sys/class/net/\(name)/device and dev_port"
            return
        }
        let sm = PortSubnetManager(judging: port)
        switch sm.presence {
        case .linkDown, .absent, .unknown, .notNeeded:
            verdict = .blocked
            reason = sm.reason
            fix = sm.fix
            return
        case .serving:
            break
        }
        guard interface.hasModeFile else {
            verdict = .blocked
            reason = "the kernel has no IPoIB connected mode (no mode file)"
            fix = "ibsetup up \(name) --mode datagram"
            return
        }
        guard interface.hardwareAddress != nil else {
            verdict = .blocked
            reason = "its hardware address cannot be read, so whether it can run connected mode is unknown"
            fix = "check /sys/class/net/\(name)/address (see the problems above)"
            return
        }
        guard interface.canDoConnectedMode else {
            verdict = .blocked
            reason = "enhanced IPoIB (address flags 0x00): the driver refuses connected mode"
            fix = "ibsetup up \(name) --mode datagram"
            return
        }
        if interface.isConnectedAtMaximumMTU {
            verdict = .configured
            reason = "connected mode, MTU 65520"
            fix = nil
        } else {
            verdict = .ready
            reason = "\(interface.mode?.rawValue ?? "mode unknown"), MTU \(interface.mtu.map(String.init) ?? "unknown")"
            fix = "ibsetup up \(name)"
        }
    }
}
