/// The logical port state (`ports/<n>/state`, `"%d: %s"`). Only a subnet
/// manager moves a port from INIT through ARMED to ACTIVE.
public enum PortState: Int, Sendable, CaseIterable, CustomStringConvertible {
    case nop = 0, down = 1, initializing = 2, armed = 3, active = 4, activeDefer = 5

    /// The kernel's word for it: `INIT`, `ACTIVE`, ...
    public var description: String {
        switch self {
        case .nop: "NOP"
        case .down: "DOWN"
        case .initializing: "INIT"
        case .armed: "ARMED"
        case .active: "ACTIVE"
        case .activeDefer: "ACTIVE_DEFER"
        }
    }
}

/// The physical port state (`ports/<n>/phys_state`, `"%u: %s"`).
public enum PhysicalState: Int, Sendable, CaseIterable, CustomStringConvertible {
    case sleep = 1, polling = 2, disabled = 3, portConfigurationTraining = 4
    case linkUp = 5, linkErrorRecovery = 6, phyTest = 7

    /// The kernel's words for it: `LinkUp`, `Polling`, ...
    public var description: String {
        switch self {
        case .sleep: "Sleep"
        case .polling: "Polling"
        case .disabled: "Disabled"
        case .portConfigurationTraining: "PortConfigurationTraining"
        case .linkUp: "LinkUp"
        case .linkErrorRecovery: "LinkErrorRecovery"
        case .phyTest: "Phy Test"
        }
    }
}

/// The link layer of a port (`ports/<n>/link_layer`). `ethernet` is RoCE,
/// Soft-RoCE (rxe) included: no IPoIB and no subnet manager there.
public enum LinkLayer: String, Sendable, CaseIterable, CustomStringConvertible {
    case infiniband = "InfiniBand"
    case ethernet = "Ethernet"
    case unknown = "Unknown"
    public var description: String { rawValue }
}

/// The node type of an RDMA device (`node_type`, `"%u: %s"`). rxe reads
/// `1: CA` like a real HCA: never tell IB from RoCE by node type.
public enum NodeType: Int, Sendable, CaseIterable, CustomStringConvertible {
    case ca = 1, `switch` = 2, router = 3, rnic = 4, usnic = 5, usnicUDP = 6

    public var description: String {
        switch self {
        case .ca: "CA"
        case .switch: "SWITCH"
        case .router: "ROUTER"
        case .rnic: "RNIC"
        case .usnic: "usNIC"
        case .usnicUDP: "usNIC UDP"
        }
    }
}

/// A `"<number>: <words>"` attribute (state, phys_state, node_type) as the
/// kernel printed it, and the number it starts with.
public struct NumberedText: Hashable, Sendable, CustomStringConvertible {
    public var code: Int
    public var words: String
    public var description: String { "\(code): \(words)" }

    public init(code: Int, words: String) {
        self.code = code
        self.words = words
    }

    /// Parses `"4: ACTIVE"`; nil when the text does not have that shape.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":"),
              let code = Int(text[..<colon]),
              text[text.index(after: colon)...].first == " " else { return nil }
        self.code = code
        words = String(text[text.index(colon, offsetBy: 2)...])
    }
}
