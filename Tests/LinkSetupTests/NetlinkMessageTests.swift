import Testing
@testable import LinkSetup

/// Byte layouts of the requests, checked against the UAPI structures.
@Suite struct NetlinkMessageTests {
    @Test func childRequestCarriesParentNameAndNestedPKey() throws {
        let request = RTNetlink.childRequest(parent: 5, name: "ib0.8001", pkey: try PKey(parsing: "0x8001"))
        let bytes = request.encoded(sequence: 7)
        #expect(bytes.count % 4 == 0)
        let slice = bytes[...]
        #expect(slice.integer(at: 0, as: UInt32.self) == UInt32(bytes.count))      // nlmsg_len
        #expect(slice.integer(at: 4, as: UInt16.self) == 16)                         // RTM_NEWLINK
        #expect(slice.integer(at: 6, as: UInt16.self) == UInt16(0x605))  // REQUEST|ACK|EXCL|CREATE
        #expect(slice.integer(at: 8, as: UInt32.self) == 7)
        let attributes = NetlinkParse.attributes(slice.dropFirst(16 + 16))
        #expect(attributes[5]?.integer(at: 0, as: UInt32.self) == 5)                 // IFLA_LINK
        #expect(NetlinkParse.string(attributes[3]) == "ib0.8001")                    // IFLA_IFNAME
        let info = NetlinkParse.attributes(try #require(attributes[18]))             // IFLA_LINKINFO
        #expect(NetlinkParse.string(info[1]) == "ipoib")
        let data = NetlinkParse.attributes(try #require(info[2]))
        #expect(data[1]?.integer(at: 0, as: UInt16.self) == 0x8001)                  // IFLA_IPOIB_PKEY
    }

    @Test func modeRequestSetsIPoIBModeConnectedAsOne() throws {
        let bytes = RTNetlink.ipoibModeRequest(index: 9, mode: .connected).encoded(sequence: 1)[...]
        #expect(bytes.integer(at: 16 + 4, as: Int32.self) == 9)                      // ifi_index
        let info = NetlinkParse.attributes(try #require(NetlinkParse.attributes(bytes.dropFirst(32))[18]))
        #expect(NetlinkParse.attributes(try #require(info[2]))[2]?.integer(at: 0, as: UInt16.self) == 1)
    }

    @Test func addressRequestUsesFamilyAndPrefix() throws {
        let bytes = RTNetlink.addressRequest(type: 20, flags: 0, index: 3, try InterfaceAddress(cidr: "fd00::1/64"))
            .encoded(sequence: 1)[...]
        #expect(bytes.integer(at: 16, as: UInt8.self) == 10)   // AF_INET6
        #expect(bytes.integer(at: 17, as: UInt8.self) == 64)
        #expect(bytes.integer(at: 20, as: UInt32.self) == 3)
        let attributes = NetlinkParse.attributes(bytes.dropFirst(24))
        #expect(attributes[2].map(Array.init) == [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    }

    @Test func truncatedDatagramsYieldNoMessages() {
        #expect(NetlinkParse.messages([0xff, 0, 0, 0, 1, 0][...]).isEmpty)
        #expect(NetlinkParse.messages([200, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][...]).isEmpty)
    }
}
