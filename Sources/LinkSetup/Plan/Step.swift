/// One change to the system. Each step remembers what it replaces, so it can
/// be undone and the dry run can say "was".
public enum Step: Equatable, Sendable, CustomStringConvertible {
    /// `modprobe NAME`.
    case loadModule(String)
    /// Write the P_Key to the parent's `create_child`.
    case createChild(parent: String, pkey: PKey)
    /// Remove a P_Key child (`delete_child`, or `RTM_DELLINK` for netlink-made children).
    case deleteChild(parent: String, pkey: PKey)
    /// Write `MODE\n` to `/sys/class/net/NAME/mode`.
    case setMode(String, to: IPoIBMode, was: IPoIBMode)
    /// `RTM_NEWLINK` + `IFLA_MTU`; `was` nil when unknown (a child created by this plan).
    case setMTU(String, to: Int, was: Int?)
    case addAddress(String, InterfaceAddress)
    case removeAddress(String, InterfaceAddress)
    /// `RTM_NEWLINK` with `IFF_UP` set or cleared.
    case setLink(String, up: Bool)

    /// The interface the step changes.
    public var subject: String {
        switch self {
        case .loadModule(let name): name
        case .createChild(let parent, let pkey), .deleteChild(let parent, let pkey): pkey.childName(of: parent)
        case .setMode(let name, _, _), .setMTU(let name, _, _), .addAddress(let name, _),
             .removeAddress(let name, _), .setLink(let name, _): name
        }
    }

    /// The step that puts back what this one changed; nil when there is
    /// nothing to put back (a loaded module stays loaded, an unknown MTU stays).
    public var inverse: Step? {
        switch self {
        case .loadModule: nil
        case let .createChild(parent, pkey): .deleteChild(parent: parent, pkey: pkey)
        case let .deleteChild(parent, pkey): .createChild(parent: parent, pkey: pkey)
        case let .setMode(name, to, was): .setMode(name, to: was, was: to)
        case let .setMTU(name, to, was): was.map { .setMTU(name, to: $0, was: to) }
        case let .addAddress(name, address): .removeAddress(name, address)
        case let .removeAddress(name, address): .addAddress(name, address)
        case let .setLink(name, up): .setLink(name, up: !up)
        }
    }

    /// What the step does, in the words the dry run prints.
    public var action: String {
        switch self {
        case .loadModule(let name): "load kernel module \(name) (modprobe \(name))"
        case let .createChild(parent, pkey):
            "create P_Key child \(pkey.childName(of: parent)) (write \(pkey) to /sys/class/net/\(parent)/create_child)"
        case let .deleteChild(parent, pkey):
            "delete P_Key child \(pkey.childName(of: parent)) (write \(pkey) to /sys/class/net/\(parent)/delete_child)"
        case let .setMode(name, to, was):
            "set mode \(to) (write \"\(to.rawValue)\\n\" to /sys/class/net/\(name)/mode; was \(was))"
        case let .setMTU(_, to, was):
            "set MTU \(to)" + (was.map { " (was \($0))" } ?? "")
        case let .addAddress(_, address): "add address \(address)"
        case let .removeAddress(_, address): "remove address \(address)"
        case let .setLink(_, up): up ? "bring link up (was down)" : "bring link down (was up)"
        }
    }

    /// The short name of what failed, for error lines: `set MTU 65520`.
    public var shortAction: String {
        switch self {
        case .loadModule(let name): "modprobe \(name)"
        case let .createChild(parent, pkey): "create P_Key child \(pkey.childName(of: parent))"
        case let .deleteChild(parent, pkey): "delete P_Key child \(pkey.childName(of: parent))"
        case let .setMode(_, to, _): "set mode \(to)"
        case let .setMTU(_, to, _): "set MTU \(to)"
        case let .addAddress(_, address): "add address \(address)"
        case let .removeAddress(_, address): "remove address \(address)"
        case let .setLink(_, up): up ? "bring link up" : "bring link down"
        }
    }

    public var description: String {
        if case .loadModule = self { return action }
        if case .createChild(let parent, _) = self { return "\(parent): \(action)" }
        if case .deleteChild(let parent, _) = self { return "\(parent): \(action)" }
        return "\(subject): \(action)"
    }
}
