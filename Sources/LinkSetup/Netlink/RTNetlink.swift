import Glibc

/// What rtnetlink says about one link.
public struct LinkInfo: Equatable, Sendable {
    public var index: Int32
    public var name: String
    public var mtu: Int
    public var isUp: Bool
    /// `ARPHRD_*`: 32 for InfiniBand (IPoIB).
    public var hardwareType: Int
    public var hardwareAddress: [UInt8]
    /// `IFLA_INFO_KIND`: `ipoib` once the kernel gives IPoIB links `rtnl_link_ops`, `veth`, …
    public var kind: String?
    public var ipoibMode: IPoIBMode?
    public var ipoibPKey: UInt16?
}

/// The rtnetlink operations ibsetup needs: links and addresses, by index.
///
/// One request at a time over one socket; every call waits for the kernel's
/// ACK and turns a refusal into `NetlinkError` with the kernel's own text.
public struct RTNetlink: ~Copyable {
    private var socket: NetlinkSocket

    /// Opens a route netlink socket in the calling thread's network namespace.
    public init(timeoutSeconds: Int = 5) throws(NetlinkError) {
        socket = try NetlinkSocket(timeoutSeconds: timeoutSeconds)
    }

    // MARK: Links

    /// The link called `name`; nil when there is none.
    ///
    /// Kernel: `RTM_GETLINK` + `IFLA_IFNAME`.
    public mutating func link(named name: String) throws(NetlinkError) -> LinkInfo? {
        var request = NetlinkRequest(type: NL.getLink, flags: NL.flagRequest | NL.flagAck)
        request.appendIfinfo(index: 0)
        request.attribute(NL.iflaIfname, string: name)
        return try fetchLink(request)
    }

    /// The link with `index`; nil when there is none.
    ///
    /// Kernel: `RTM_GETLINK` by `ifi_index`.
    public mutating func link(index: Int32) throws(NetlinkError) -> LinkInfo? {
        var request = NetlinkRequest(type: NL.getLink, flags: NL.flagRequest | NL.flagAck)
        request.appendIfinfo(index: index)
        return try fetchLink(request)
    }

    private mutating func fetchLink(_ request: NetlinkRequest) throws(NetlinkError) -> LinkInfo? {
        do {
            return try socket.roundTrip(request).lazy.compactMap(Self.parseLink).first
        } catch where error.errno.rawValue == ENODEV {
            return nil
        }
    }

    /// Sets the MTU.
    ///
    /// Kernel: `RTM_NEWLINK` + `IFLA_MTU`.
    public mutating func setMTU(index: Int32, _ mtu: Int) throws(NetlinkError) {
        var request = NetlinkRequest(type: NL.newLink, flags: NL.flagRequest | NL.flagAck)
        request.appendIfinfo(index: index)
        request.attribute(NL.iflaMTU, value: UInt32(mtu))
        _ = try socket.roundTrip(request)
    }

    /// Brings the link administratively up or down.
    ///
    /// Kernel: `RTM_NEWLINK` with `IFF_UP` in `ifi_flags`/`ifi_change`.
    public mutating func setUp(index: Int32, _ up: Bool) throws(NetlinkError) {
        var request = NetlinkRequest(type: NL.newLink, flags: NL.flagRequest | NL.flagAck)
        request.appendIfinfo(index: index, flags: up ? NL.iffUp : 0, change: NL.iffUp)
        _ = try socket.roundTrip(request)
    }

    /// Sets the IPoIB mode (the same kernel path as the sysfs `mode` file).
    /// Needs a kernel whose IPoIB parents have `rtnl_link_ops` (2020 and later);
    /// older ones answer `EOPNOTSUPP`.
    ///
    /// Kernel: `RTM_NEWLINK` + `IFLA_LINKINFO{IFLA_INFO_KIND "ipoib", IFLA_INFO_DATA{IFLA_IPOIB_MODE}}`.
    public mutating func setIPoIBMode(index: Int32, _ mode: IPoIBMode) throws(NetlinkError) {
        _ = try socket.roundTrip(Self.ipoibModeRequest(index: index, mode: mode))
    }

    static func ipoibModeRequest(index: Int32, mode: IPoIBMode) -> NetlinkRequest {
        var request = NetlinkRequest(type: NL.newLink, flags: NL.flagRequest | NL.flagAck)
        request.appendIfinfo(index: index)
        request.nested(NL.iflaLinkInfo) { info in
            info.attribute(NL.infoKind, Array("ipoib".utf8))
            info.nested(NL.infoData) { data in data.attribute(NL.ipoibMode, value: mode.netlinkValue) }
        }
        return request
    }

    /// Creates a P_Key child of `parent` called `name` (an "RTNL child": no
    /// `mode`/`pkey` sysfs files, unlike children made through `create_child`).
    ///
    /// Kernel: `RTM_NEWLINK` (`NLM_F_CREATE|NLM_F_EXCL`) + `IFLA_LINK`, `IFLA_IFNAME`,
    /// `IFLA_LINKINFO{"ipoib", {IFLA_IPOIB_PKEY}}`.
    public mutating func createIPoIBChild(parent: Int32, name: String, pkey: PKey) throws(NetlinkError) {
        _ = try socket.roundTrip(Self.childRequest(parent: parent, name: name, pkey: pkey))
    }

    static func childRequest(parent: Int32, name: String, pkey: PKey) -> NetlinkRequest {
        var request = NetlinkRequest(
            type: NL.newLink, flags: NL.flagRequest | NL.flagAck | NL.flagCreate | NL.flagExclusive)
        request.appendIfinfo(index: 0)
        request.attribute(NL.iflaLink, value: UInt32(bitPattern: parent))
        request.attribute(NL.iflaIfname, string: name)
        request.nested(NL.iflaLinkInfo) { info in
            info.attribute(NL.infoKind, Array("ipoib".utf8))
            info.nested(NL.infoData) { data in data.attribute(NL.ipoibPKey, value: pkey.value) }
        }
        return request
    }

    /// Deletes a (virtual) link.
    ///
    /// Kernel: `RTM_DELLINK`.
    public mutating func deleteLink(index: Int32) throws(NetlinkError) {
        var request = NetlinkRequest(type: NL.delLink, flags: NL.flagRequest | NL.flagAck)
        request.appendIfinfo(index: index)
        _ = try socket.roundTrip(request)
    }

    static func parseLink(_ message: NetlinkReply) -> LinkInfo? {
        guard message.type == NL.newLink, message.payload.count >= NL.ifinfoSize,
              let type = message.payload.integer(at: 2, as: UInt16.self),
              let index = message.payload.integer(at: 4, as: Int32.self),
              let flags = message.payload.integer(at: 8, as: UInt32.self)
        else { return nil }
        let attributes = NetlinkParse.attributes(message.payload.dropFirst(NL.ifinfoSize))
        var link = LinkInfo(
            index: index,
            name: NetlinkParse.string(attributes[NL.iflaIfname]) ?? "",
            mtu: attributes[NL.iflaMTU]?.integer(at: 0, as: UInt32.self).map(Int.init) ?? 0,
            isUp: flags & NL.iffUp != 0,
            hardwareType: Int(type),
            hardwareAddress: attributes[NL.iflaAddress].map(Array.init) ?? [])
        if let info = attributes[NL.iflaLinkInfo] {
            let nested = NetlinkParse.attributes(info)
            link.kind = NetlinkParse.string(nested[NL.infoKind])
            if link.kind == "ipoib", let data = nested[NL.infoData] {
                let ipoib = NetlinkParse.attributes(data)
                link.ipoibPKey = ipoib[NL.ipoibPKey]?.integer(at: 0, as: UInt16.self)
                link.ipoibMode = ipoib[NL.ipoibMode]?.integer(at: 0, as: UInt16.self)
                    .map { $0 == 1 ? .connected : .datagram }
            }
        }
        return link
    }

    // MARK: Addresses

    /// The addresses on link `index`, IPv4 and IPv6, in the kernel's order.
    ///
    /// Kernel: `RTM_GETADDR` dump, filtered here by `ifa_index`.
    public mutating func addresses(index: Int32) throws(NetlinkError) -> [InterfaceAddress] {
        var request = NetlinkRequest(type: NL.getAddr, flags: NL.flagRequest | NL.flagDump)
        request.appendIfaddr(family: 0, prefixLength: 0, index: 0)
        return try socket.roundTrip(request).compactMap { message in
            Self.parseAddress(message, index: index)
        }
    }

    /// Adds `address`; `EEXIST` when it is already there.
    ///
    /// Kernel: `RTM_NEWADDR` (`NLM_F_CREATE|NLM_F_EXCL`) + `IFA_LOCAL`, `IFA_ADDRESS`.
    public mutating func addAddress(index: Int32, _ address: InterfaceAddress) throws(NetlinkError) {
        _ = try socket.roundTrip(Self.addressRequest(
            type: NL.newAddr, flags: NL.flagCreate | NL.flagExclusive, index: index, address))
    }

    /// Removes `address`; `EADDRNOTAVAIL` when it is not there.
    ///
    /// Kernel: `RTM_DELADDR` + `IFA_LOCAL`, `IFA_ADDRESS`.
    public mutating func removeAddress(index: Int32, _ address: InterfaceAddress) throws(NetlinkError) {
        _ = try socket.roundTrip(Self.addressRequest(type: NL.delAddr, flags: 0, index: index, address))
    }

    static func addressRequest(type: UInt16, flags: UInt16, index: Int32, _ address: InterfaceAddress) -> NetlinkRequest {
        var request = NetlinkRequest(type: type, flags: NL.flagRequest | NL.flagAck | flags)
        request.appendIfaddr(
            family: address.family == .ipv4 ? 2 : 10,   // AF_INET, AF_INET6
            prefixLength: UInt8(address.prefixLength), index: index)
        request.attribute(NL.ifaLocal, address.bytes)
        request.attribute(NL.ifaAddress, address.bytes)
        return request
    }

    static func parseAddress(_ message: NetlinkReply, index: Int32) -> InterfaceAddress? {
        guard message.type == NL.newAddr, message.payload.count >= NL.ifaddrSize,
              let family = message.payload.integer(at: 0, as: UInt8.self),
              let prefix = message.payload.integer(at: 1, as: UInt8.self),
              let owner = message.payload.integer(at: 4, as: UInt32.self),
              Int32(bitPattern: owner) == index
        else { return nil }
        let attributes = NetlinkParse.attributes(message.payload.dropFirst(NL.ifaddrSize))
        // IPv4 puts the interface's own address in IFA_LOCAL (IFA_ADDRESS is
        // the peer on point-to-point links); IPv6 only sends IFA_ADDRESS.
        guard let bytes = attributes[NL.ifaLocal] ?? attributes[NL.ifaAddress] else { return nil }
        switch (family, bytes.count) {
        case (2, 4): return InterfaceAddress(family: .ipv4, bytes: Array(bytes), prefixLength: Int(prefix))
        case (10, 16): return InterfaceAddress(family: .ipv6, bytes: Array(bytes), prefixLength: Int(prefix))
        default: return nil
        }
    }
}
