/// What the fabric says about the HCA port under an IPoIB interface.
public struct PortReadiness: Equatable, Sendable {
    /// `mlx4_0 port 1`.
    public var port: String
    /// The logical state: `ACTIVE`, `INIT`, `DOWN`, …
    public var state: String
    /// The physical state: `LinkUp`, `Polling`, `Disabled`, …
    public var physicalState: String
    public var isActive: Bool
    /// The link trained but no SM brought the port to ACTIVE (INIT/ARMED + LinkUp).
    public var waitsForSubnetManager: Bool
    /// `sm_lid`; 0 when no SM has answered.
    public var smLID: UInt16?

    public init(port: String, state: String, physicalState: String, isActive: Bool,
                waitsForSubnetManager: Bool, smLID: UInt16?) {
        self.port = port
        self.state = state
        self.physicalState = physicalState
        self.isActive = isActive
        self.waitsForSubnetManager = waitsForSubnetManager
        self.smLID = smLID
    }

    /// `mlx4_0 port 1: ACTIVE, subnet manager LID 0x1`.
    public var summary: String {
        var text = "\(port): \(state) (\(physicalState))"
        if let smLID, smLID != 0, isActive { text += ", subnet manager LID 0x" + String(smLID, radix: 16) }
        return text
    }
}

/// The checks `ibsetup up` makes before changing anything.
public enum Preconditions {
    /// Port ACTIVE, SM present. Returns warnings; throws when the port cannot
    /// carry IPoIB (down) or, with `requireSM`, when no SM answered.
    public static func checkPort(_ interface: String, _ readiness: PortReadiness?, requireSM: Bool) throws(LinkSetupError) -> [String] {
        guard let readiness else {
            return ["\(interface): cannot map to an HCA port; port and subnet manager checks skipped"]
        }
        if readiness.isActive, (readiness.smLID ?? 1) != 0 { return [] }
        if readiness.waitsForSubnetManager || readiness.isActive {
            if requireSM { throw .noSubnetManager(interface, port: readiness.port) }
            return ["\(interface): no subnet manager on \(readiness.port) (\(readiness.state)); "
                + "the link stays without carrier until one runs (start opensm on one node)"]
        }
        throw .portNotActive(interface, port: readiness.port, state: "\(readiness.state) (\(readiness.physicalState))")
    }
}
