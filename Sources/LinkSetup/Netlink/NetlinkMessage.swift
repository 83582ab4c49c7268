/// Netlink wire format: message headers, attributes, alignment.
///
/// Everything is host byte order, as the kernel expects on the local socket.
/// Values and layouts are those of the UAPI headers `linux/netlink.h`,
/// `linux/rtnetlink.h`, `linux/if_link.h` and `linux/if_addr.h`.
enum NL {
    // linux/netlink.h
    static let headerSize = 16                  // struct nlmsghdr
    static let flagRequest: UInt16 = 0x1        // NLM_F_REQUEST
    static let flagAck: UInt16 = 0x4            // NLM_F_ACK
    static let flagDump: UInt16 = 0x300         // NLM_F_ROOT | NLM_F_MATCH
    static let flagExclusive: UInt16 = 0x200    // NLM_F_EXCL (for NEW requests)
    static let flagCreate: UInt16 = 0x400       // NLM_F_CREATE
    static let flagAckTLVs: UInt16 = 0x200      // NLM_F_ACK_TLVS (on NLMSG_ERROR)
    static let flagCapped: UInt16 = 0x100       // NLM_F_CAPPED (on NLMSG_ERROR)
    static let typeError: UInt16 = 2            // NLMSG_ERROR
    static let typeDone: UInt16 = 3             // NLMSG_DONE
    static let errorAttrMessage: UInt16 = 1     // NLMSGERR_ATTR_MSG
    static let solNetlink: Int32 = 270          // SOL_NETLINK
    static let optCapAck: Int32 = 10            // NETLINK_CAP_ACK
    static let optExtAck: Int32 = 11            // NETLINK_EXT_ACK
    static let attributeTypeMask: UInt16 = 0x3fff // ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER)

    // linux/rtnetlink.h
    static let newLink: UInt16 = 16             // RTM_NEWLINK
    static let delLink: UInt16 = 17             // RTM_DELLINK
    static let getLink: UInt16 = 18             // RTM_GETLINK
    static let newAddr: UInt16 = 20             // RTM_NEWADDR
    static let delAddr: UInt16 = 21             // RTM_DELADDR
    static let getAddr: UInt16 = 22             // RTM_GETADDR
    static let ifinfoSize = 16                  // struct ifinfomsg
    static let ifaddrSize = 8                   // struct ifaddrmsg

    // linux/if_link.h
    static let iflaAddress: UInt16 = 1          // IFLA_ADDRESS
    static let iflaIfname: UInt16 = 3           // IFLA_IFNAME
    static let iflaMTU: UInt16 = 4              // IFLA_MTU
    static let iflaLink: UInt16 = 5             // IFLA_LINK
    static let iflaLinkInfo: UInt16 = 18        // IFLA_LINKINFO
    static let infoKind: UInt16 = 1             // IFLA_INFO_KIND
    static let infoData: UInt16 = 2             // IFLA_INFO_DATA
    static let ipoibPKey: UInt16 = 1            // IFLA_IPOIB_PKEY (u16)
    static let ipoibMode: UInt16 = 2            // IFLA_IPOIB_MODE (u16: IPOIB_MODE_DATAGRAM 0, _CONNECTED 1)

    // linux/if_addr.h
    static let ifaAddress: UInt16 = 1           // IFA_ADDRESS
    static let ifaLocal: UInt16 = 2             // IFA_LOCAL

    // linux/if.h, linux/rtnetlink.h
    static let iffUp: UInt32 = 0x1              // IFF_UP

    static func align(_ n: Int) -> Int { (n + 3) & ~3 }
}

/// A netlink request under construction: the family header, then attributes.
struct NetlinkRequest {
    let type: UInt16
    let flags: UInt16
    private(set) var payload: [UInt8] = []

    init(type: UInt16, flags: UInt16) {
        self.type = type
        self.flags = flags
    }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { payload.append(contentsOf: $0) }
    }

    mutating func append(bytes: [UInt8]) { payload.append(contentsOf: bytes) }

    /// `struct ifinfomsg`: family, pad, ARPHRD type, index, flags, change mask.
    mutating func appendIfinfo(index: Int32, flags: UInt32 = 0, change: UInt32 = 0) {
        append(UInt8(0)); append(UInt8(0)); append(UInt16(0))
        append(index); append(flags); append(change)
    }

    /// `struct ifaddrmsg`: family, prefix length, flags, scope, index.
    mutating func appendIfaddr(family: UInt8, prefixLength: UInt8, index: Int32) {
        append(family); append(prefixLength); append(UInt8(0)); append(UInt8(0))
        append(UInt32(bitPattern: index))
    }

    /// One `struct rtattr` with its payload, padded to 4 bytes.
    mutating func attribute(_ type: UInt16, _ bytes: [UInt8]) {
        append(UInt16(4 + bytes.count)); append(type)
        payload.append(contentsOf: bytes)
        payload.append(contentsOf: repeatElement(0, count: NL.align(bytes.count) - bytes.count))
    }

    mutating func attribute<T: FixedWidthInteger>(_ type: UInt16, value: T) {
        attribute(type, withUnsafeBytes(of: value) { Array($0) })
    }

    /// A NUL-terminated string attribute (`IFLA_IFNAME`).
    mutating func attribute(_ type: UInt16, string: String) {
        attribute(type, Array(string.utf8) + [0])
    }

    /// A nested attribute whose children `build` appends.
    mutating func nested(_ type: UInt16, _ build: (inout NetlinkRequest) -> Void) {
        let start = payload.count
        append(UInt16(0)); append(type)
        build(&self)
        let length = UInt16(payload.count - start)
        withUnsafeBytes(of: length) { payload.replaceSubrange(start..<start + 2, with: $0) }
    }

    /// The whole message with its `struct nlmsghdr` (port id 0: the kernel fills it).
    func encoded(sequence: UInt32) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(NL.headerSize + payload.count)
        let length = UInt32(NL.headerSize + payload.count)
        withUnsafeBytes(of: length) { message.append(contentsOf: $0) }
        withUnsafeBytes(of: type) { message.append(contentsOf: $0) }
        withUnsafeBytes(of: flags) { message.append(contentsOf: $0) }
        withUnsafeBytes(of: sequence) { message.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(0)) { message.append(contentsOf: $0) }
        message.append(contentsOf: payload)
        return message
    }
}

/// One received netlink message: header fields and the payload after the header.
struct NetlinkReply {
    var type: UInt16
    var flags: UInt16
    var sequence: UInt32
    var payload: ArraySlice<UInt8>
}

extension ArraySlice<UInt8> {
    /// A host-order integer at `offset` from the slice start; nil when short.
    func integer<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset + size <= count else { return nil }
        var value = T.zero
        Swift.withUnsafeMutableBytes(of: &value) { raw in
            for i in 0..<size { raw[i] = self[startIndex + offset + i] }
        }
        return value
    }
}

enum NetlinkParse {
    /// Splits a datagram into messages; stops at the first malformed length.
    static func messages(_ datagram: ArraySlice<UInt8>) -> [NetlinkReply] {
        var result: [NetlinkReply] = []
        var offset = 0
        while offset + NL.headerSize <= datagram.count {
            let slice = datagram.dropFirst(offset)
            guard let length = slice.integer(at: 0, as: UInt32.self),
                  let type = slice.integer(at: 4, as: UInt16.self),
                  let flags = slice.integer(at: 6, as: UInt16.self),
                  let sequence = slice.integer(at: 8, as: UInt32.self),
                  Int(length) >= NL.headerSize, Int(length) <= slice.count
            else { break }
            let body = slice.dropFirst(NL.headerSize).prefix(Int(length) - NL.headerSize)
            result.append(NetlinkReply(type: type, flags: flags, sequence: sequence, payload: body))
            offset += NL.align(Int(length))
        }
        return result
    }

    /// Attributes of one level, by type (nested flag masked off). A type seen
    /// twice keeps its first occurrence.
    static func attributes(_ bytes: ArraySlice<UInt8>) -> [UInt16: ArraySlice<UInt8>] {
        var result: [UInt16: ArraySlice<UInt8>] = [:]
        var offset = 0
        while offset + 4 <= bytes.count {
            let slice = bytes.dropFirst(offset)
            guard let length = slice.integer(at: 0, as: UInt16.self),
                  let rawType = slice.integer(at: 2, as: UInt16.self),
                  Int(length) >= 4, Int(length) <= slice.count
            else { break }
            let type = rawType & NL.attributeTypeMask
            if result[type] == nil { result[type] = slice.dropFirst(4).prefix(Int(length) - 4) }
            offset += NL.align(Int(length))
        }
        return result
    }

    /// A NUL-terminated string attribute.
    static func string(_ bytes: ArraySlice<UInt8>?) -> String? {
        guard let bytes else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
