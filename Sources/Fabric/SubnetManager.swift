import SystemPackage

/// Whether a subnet manager serves a port, from the sysfs evidence.
public enum SMPresence: String, Sendable {
    /// ACTIVE (or ARMED) with an assigned LID and a non-zero SM LID.
    case serving
    /// INIT with LinkUp, or no SM LID: nobody configured the port.
    case absent = "none"
    /// The physical link is not up: no SM can reach the port.
    case linkDown = "link-down"
    /// An Ethernet (RoCE) port: no subnet manager is needed.
    case notNeeded = "not-needed"
    /// The state files could not be read or disagree.
    case unknown
}

/// The subnet-manager verdict for one port, with the reason in words.
public struct PortSubnetManager: Hashable, Sendable {
    public var port: PortAddress
    public var presence: SMPresence
    /// The SM's LID when one serves the port.
    public var smLID: UInt16?
    /// The SM runs on this host (IsSM bit in `cap_mask`).
    public var isLocal: Bool
    /// Why, in one line.
    public var reason: String
    /// What to do about it; nil when nothing is needed.
    public var fix: String?

    /// Judges `port`. Rules (see the fixture README): ACTIVE is only reached
    /// through an SM; INIT + LinkUp is the classic "no SM"; `sm_lid` alone is
    /// not trusted because mlx4 keeps a stale one after the link goes down.
    public init(judging port: Port) {
        self.port = port.address
        isLocal = port.isSMBitSet
        smLID = nil
        fix = nil
        let where_ = port.address.description
        guard port.linkLayer == .infiniband else {
            presence = port.linkLayer == .ethernet ? .notNeeded : .unknown
            reason = port.linkLayer == .ethernet
                ? "\(where_) is RoCE (link layer Ethernet): no subnet manager needed"
                : "\(where_): link layer unknown; cannot judge the subnet manager"
            return
        }
        guard let state = port.state, let phys = port.physicalState else {
            presence = .unknown
            reason = "\(where_): port state unreadable; cannot judge the subnet manager"
            return
        }
        if state == .down || phys != .linkUp {
            presence = .linkDown
            switch phys {
            case .disabled:
                reason = "\(where_) is disabled (\(state), \(phys))"
                fix = "enable the port (ibportstate, or on the switch)"
            case .polling:
                reason = "\(where_) is \(state) (\(phys)): no cable or no peer"
                fix = "check the cable and the switch port"
            default:
                reason = "\(where_) is \(state) (\(phys)): the link is not up"
                fix = "check the cable and the switch port"
            }
            return
        }
        let configured = port.hasAssignedLID && (port.smLID ?? 0) != 0
        switch state {
        case .active where configured, .activeDefer where configured, .armed where configured:
            presence = .serving
            smLID = port.smLID
            let lid = hex(port.smLID ?? 0, width: 0)
            reason = "\(where_) is \(state); subnet manager at LID \(lid)" + (isLocal ? " (this host)" : "")
        case .active, .activeDefer:
            presence = .unknown
            reason = "\(where_) is \(state) but reads no SM LID or LID"
            fix = "run ibsetup sm again"
        case .armed:
            presence = .absent
            reason = "\(where_) is ARMED: the subnet manager has not activated it"
            fix = "check the subnet manager's log"
        case .initializing, .nop, .down:
            presence = .absent
            reason = "\(where_) is \(state) with \(phys): no subnet manager answered"
            fix = "start one on one node: systemctl start opensm"
        }
    }
}

/// Processes named `opensm` in `root`/proc (the same root as sysfs, so
/// captured trees can carry a /proc too).
public func opensmProcesses(root: FilePath = "/") -> [Int] {
    let sysfs = Sysfs(root: root)
    let proc = sysfs.path("proc")
    guard let entries = try? sysfs.list(proc) else { return [] }
    return entries.compactMap { entry -> Int? in
        guard let pid = Int(entry), let comm = try? sysfs.read(proc.appending(entry).appending("comm")) else { return nil }
        return comm == "opensm" ? pid : nil
    }
}
