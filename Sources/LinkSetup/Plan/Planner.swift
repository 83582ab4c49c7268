/// The steps that take interfaces from their current state to the requested
/// one, with the settings they resolve to. Empty steps: already configured.
public struct Plan: Equatable, Sendable {
    public struct Target: Equatable, Sendable {
        public var interface: String
        /// The mode the plan sets (nil: `down`, which leaves the mode alone).
        public var mode: IPoIBMode?
        /// The MTU the plan sets; nil: left to the kernel (datagram: the broadcast group's).
        public var mtu: Int?
        public var addresses: [InterfaceAddress]
        public var up: Bool
        /// false once `down --delete-child` removes the interface.
        public var exists: Bool = true
    }

    public var steps: [Step]
    public var targets: [Target]
    /// Things the user should know that are not errors (auto mode fell back to datagram, …).
    public var notes: [String]

    public init(steps: [Step] = [], targets: [Target] = [], notes: [String] = []) {
        self.steps = steps
        self.targets = targets
        self.notes = notes
    }

    public var isEmpty: Bool { steps.isEmpty }

    /// Joins plans for several interfaces into one, applied (and undone) as a whole.
    public static func combined(_ plans: [Plan]) -> Plan {
        Plan(steps: plans.flatMap(\.steps), targets: plans.flatMap(\.targets), notes: plans.flatMap(\.notes))
    }
}

public enum Planner {
    /// Plans `ibsetup up`: optional P_Key child, mode (before the MTU: 65520
    /// only exists in connected mode), MTU, addresses, link up.
    ///
    /// - Parameters:
    ///   - parent: the state of `request.interface`.
    ///   - child: the state of the P_Key child when it exists already.
    ///   - moduleMissing: `ib_ipoib` is not loaded yet (the parent will appear once it is).
    public static func up(_ request: UpRequest, parent: LinkState, child: LinkState? = nil,
                          moduleMissing: Bool = false) throws(LinkSetupError) -> Plan {
        guard parent.isIPoIB else { throw .notIPoIB(parent.name, type: parent.hardwareType) }
        if request.pkey != nil, parent.parent != nil { throw .pkeyOnChild(parent.name) }
        var plan = Plan()
        if moduleMissing { plan.steps.append(.loadModule("ib_ipoib")) }

        // Resolve the mode against what the HCA can do.
        let canConnect = parent.connectedModeCapable && parent.mode != nil
        let mode: IPoIBMode
        switch request.mode {
        case .connected:
            guard canConnect else { throw .connectedModeUnsupported(request.interface) }
            mode = .connected
        case .datagram:
            mode = .datagram
        case .auto:
            mode = canConnect ? .connected : .datagram
            if !canConnect {
                plan.notes.append("\(request.interface): connected mode not supported (enhanced IPoIB); "
                    + "--mode auto uses datagram at the largest MTU the subnet manager allows")
            }
        }
        if mode == .datagram, let mtu = request.mtu, mtu > IPoIBMTU.datagramMaximum {
            throw .mtuOutOfRange(mtu, mode: .datagram, maximum: IPoIBMTU.datagramMaximum)
        }
        let mtu = request.mtu ?? (mode == .connected ? IPoIBMTU.connectedMaximum : nil)

        var state = parent
        if let pkey = request.pkey {
            // A child only passes traffic while its parent is up.
            if !parent.isUp { plan.steps.append(.setLink(parent.name, up: true)) }
            if let child {
                state = child
            } else {
                plan.steps.append(.createChild(parent: parent.name, pkey: pkey))
                state = .newChild(of: parent, pkey: pkey)
            }
        }
        let name = state.name
        var modeChanges = false
        if let current = state.mode, current != mode {
            plan.steps.append(.setMode(name, to: mode, was: current))
            modeChanges = true
        }
        // Writing the mode sets the MTU too (the kernel's ipoib_set_mode: 65520 for connected,
        // at most the broadcast group's for datagram), so after a mode change the MTU is set
        // even when it was the one asked for.
        if let mtu, modeChanges || state.mtu != mtu {
            plan.steps.append(.setMTU(name, to: mtu, was: state.mtu))
        }
        for address in request.addresses where !(state.addresses ?? []).contains(address) {
            plan.steps.append(.addAddress(name, address))
        }
        if !state.isUp { plan.steps.append(.setLink(name, up: true)) }
        if state.addresses == nil, !request.addresses.isEmpty {
            plan.notes.append("\(name): a captured sysfs tree holds no addresses; every address is planned as new")
        }
        plan.targets = [.init(interface: name, mode: mode, mtu: mtu, addresses: request.addresses, up: true)]
        return plan
    }

    /// Plans `ibsetup down`: remove the addresses (IPv6 link-local ones are
    /// the kernel's), bring the link down, and with `deleteChild` remove the
    /// P_Key child. `state` nil: the interface is gone already.
    public static func down(_ request: DownRequest, state: LinkState?) throws(LinkSetupError) -> Plan {
        guard let state else {
            // Deleting a child that is already gone is done, not an error.
            return Plan(targets: [.init(interface: request.interface, addresses: [], up: false, exists: false)])
        }
        guard state.isIPoIB else { throw .notIPoIB(state.name, type: state.hardwareType) }
        var plan = Plan()
        for address in (state.addresses ?? []).reversed() where !address.isLinkLocal {
            plan.steps.append(.removeAddress(state.name, address))
        }
        if state.isUp { plan.steps.append(.setLink(state.name, up: false)) }
        if request.deleteChild {
            guard let parent = state.parent, let pkey = state.pkey else { throw .notAChild(state.name) }
            plan.steps.append(.deleteChild(parent: parent, pkey: pkey))
        }
        if state.addresses == nil {
            plan.notes.append("\(state.name): a captured sysfs tree holds no addresses; none are planned for removal")
        }
        plan.targets = [.init(interface: state.name, addresses: [], up: false, exists: !request.deleteChild)]
        return plan
    }
}
