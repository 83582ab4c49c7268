import Testing
@testable import LinkSetup

@Suite struct InputValidationTests {
    @Test(arguments: ["10.0.0.1", "10.0.0.1/33", "10.0.0.256/24", "fd00::1/129", "fd00::g/64", "0.0.0.0/8",
                      "224.0.0.1/4", "ff02::1/64", "10.0.0.1/x", "/24", ""])
    func invalidCIDRIsRefused(text: String) {
        #expect(throws: LinkSetupError.self) { _ = try InterfaceAddress(cidr: text) }
    }

    @Test(arguments: [("10.0.0.1/24", "10.0.0.1/24"), ("fd00:0::1/64", "fd00::1/64"), ("192.168.7.9/32", "192.168.7.9/32")])
    func validCIDRRoundTrips(text: String, canonical: String) throws {
        #expect(try InterfaceAddress(cidr: text).description == canonical)
    }

    @Test(arguments: ["0", "0x0", "0x8000", "8000", "0x10000", "0x1ffff", "x", "", "0x", "-1", "0x-1", "+1", "0x+8001", "-8001"])
    func invalidPKeyIsRefused(text: String) {
        #expect(throws: LinkSetupError.self) { _ = try PKey(parsing: text) }
    }

    @Test func pkeyNamesTheChildLikeTheKernel() throws {
        #expect(try PKey(parsing: "0x8001").childName(of: "ib0") == "ib0.8001")
        #expect(try PKey(parsing: "1").childName(of: "ibp195s0d1") == "ibp195s0d1.0001")
        #expect(try PKey(parsing: "0x7fff").fullMember == 0xffff)
    }

    @Test(arguments: [67, 65521, 0, -1])
    func mtuOutOfRangeIsRefused(mtu: Int) {
        #expect(throws: LinkSetupError.self) { _ = try UpRequest(interface: "ib0", mtu: mtu) }
    }

    @Test func ipv6NeedsAnMTUOf1280() throws {
        #expect(throws: LinkSetupError.mtuTooSmallForIPv6(1000)) {
            _ = try UpRequest(interface: "ib0", mtu: 1000, addresses: [try InterfaceAddress(cidr: "fd00::1/64")])
        }
    }

    /// The last ones the kernel would take, but a stanza would carry into a shell command
    /// (`pre-up echo … > /sys/class/net/NAME/mode`) or a udev match.
    @Test(arguments: ["", "a/b", "ib:0", "sixteen-chars-xx", "ib 0", "..", "ib0;date", "ib*", "ib\"0", "ib$(x)", "ib`x`", "ib0'", "ïb0"])
    func invalidInterfaceNameIsRefused(name: String) {
        #expect(throws: LinkSetupError.invalidInterfaceName(name)) { _ = try UpRequest(interface: name) }
    }

    @Test func everyErrorIsOneLine() throws {
        let errors: [LinkSetupError] = [
            .invalidPKey("0x8000"), .notIPoIB("eth0", type: 1), .connectedModeUnsupported("ib0"),
            .unknownInterface("ib9", known: ["ib0"], hasInfiniBand: true), .notRoot("ib0"),
            .portNotActive("ib0", port: "mlx4_0 port 1", state: "DOWN (Polling)"),
            .noSubnetManager("ib0", port: "mlx5_0 port 1"),
        ]
        for error in errors {
            #expect(!error.description.contains("\n"))
            #expect(error.description.contains("; "), "names a next step: \(error)")
        }
    }
}
