import SystemPackage

/// A model of the kernel's answers, in memory: records every step performed,
/// applies the kernel's rules for IPoIB (connected mode only where the address
/// flags allow it and then MTU 65520; datagram MTU capped at the broadcast
/// group's; P_Key limits), and can be told to fail a given call.
public struct RecordingDriver: LinkDriver {
    public var links: [String: LinkState]
    /// The broadcast group MTU per interface (datagram MTU cap); 2044 when unset.
    public var broadcastMTU: [String: Int] = [:]
    public private(set) var performed: [Step] = []
    /// Fail the call with this index (0-based, counting every `perform`).
    public var failure: (call: Int, error: Errno)?
    private var calls = 0

    public init(_ links: [LinkState]) {
        self.links = Dictionary(uniqueKeysWithValues: links.map { ($0.name, $0) })
    }

    public mutating func observe(_ name: String) throws(LinkSetupError) -> LinkState? { links[name] }

    public mutating func perform(_ step: Step) throws(NetlinkError) {
        defer { calls += 1 }
        if let failure, failure.call == calls { throw NetlinkError(errno: failure.error, message: "injected") }
        try model(step)
        performed.append(step)
    }

    private mutating func model(_ step: Step) throws(NetlinkError) {
        let invalid = NetlinkError(errno: Errno(rawValue: 22))         // EINVAL
        let noDevice = NetlinkError(errno: Errno(rawValue: 19))        // ENODEV
        switch step {
        case .loadModule:
            return
        case let .createChild(parent, pkey):
            guard let parentState = links[parent] else { throw noDevice }
            let name = pkey.childName(of: parent)
            if links[name] != nil { throw NetlinkError(errno: Errno(rawValue: 76)) }   // ENOTUNIQ
            var child = LinkState.newChild(of: parentState, pkey: pkey)
            child.mtu = broadcastMTU[name] ?? 2044
            links[name] = child
        case let .deleteChild(parent, pkey):
            guard links.removeValue(forKey: pkey.childName(of: parent)) != nil else { throw noDevice }
        case let .setMode(name, to, _):
            guard var link = links[name] else { throw noDevice }
            guard link.mode != nil else { throw NetlinkError(errno: Errno(rawValue: 2)) }   // no mode file: ENOENT
            if to == .connected {
                guard link.connectedModeCapable else { throw invalid }
                link.mtu = IPoIBMTU.connectedMaximum
            } else if link.mode == .connected {
                link.mtu = min(broadcastMTU[name] ?? 2044, link.mtu ?? Int.max)
            }
            link.mode = to
            links[name] = link
        case let .setMTU(name, to, _):
            guard var link = links[name] else { throw noDevice }
            if link.isIPoIB {
                let maximum = link.mode == .connected ? IPoIBMTU.connectedMaximum : IPoIBMTU.datagramMaximum
                guard to <= maximum else { throw invalid }
                link.mtu = link.mode == .connected ? to : min(to, broadcastMTU[name] ?? 2044)
            } else {
                link.mtu = to
            }
            links[name] = link
        case let .addAddress(name, address):
            guard var link = links[name] else { throw noDevice }
            if link.addresses?.contains(address) == true { throw NetlinkError(errno: Errno(rawValue: 17)) }  // EEXIST
            link.addresses = (link.addresses ?? []) + [address]
            links[name] = link
        case let .removeAddress(name, address):
            guard var link = links[name] else { throw noDevice }
            guard let at = link.addresses?.firstIndex(of: address) else { throw NetlinkError(errno: Errno(rawValue: 99)) }  // EADDRNOTAVAIL
            link.addresses?.remove(at: at)
            links[name] = link
        case let .setLink(name, up):
            guard var link = links[name] else { throw noDevice }
            link.isUp = up
            links[name] = link
        }
    }
}
