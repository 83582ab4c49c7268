import Testing
@testable import LinkSetup

@Suite struct ConfigTests {
    @Test func readsSeveralInterfaces() throws {
        let requests = try LinkConfig.parse("""
            interfaces:
              ib0:
                mode: connected
                mtu: 65520
                addresses: [10.0.0.1/24, "fd00::1/64"]
              ib1:
                pkey: 0x8001
                mode: auto
                addresses:
                  - 10.1.0.1/24
              ib2:
              ib0.8002:
                pkey: 0x8002
            """, file: "test.yaml")
        #expect(requests.map(\.target) == ["ib0", "ib1.8001", "ib2", "ib0.8002"])
        #expect(requests[3].interface == "ib0")
        #expect(requests[0].addresses.map(\.description) == ["10.0.0.1/24", "fd00::1/64"])
        #expect(requests[1].pkey?.value == 0x8001)
        #expect(requests[1].mode == .auto)
        #expect(requests[2].mode == .connected)
    }

    @Test func aMissingConfigFileIsNamedAsSuch() {
        #expect(throws: LinkSetupError.unsupported("/nonexistent/links.yaml", what: "no such file",
                                                  next: "check the --config path (an example: configs/ipoib.yaml)")) {
            _ = try LinkConfig.load(path: "/nonexistent/links.yaml")
        }
        #expect(throws: LinkSetupError.self) { _ = try LinkConfig.load(path: "/") }
    }

    /// `up ib0 --config` takes the entry named ib0, not also its child's; a child configured
    /// under its parent's name is found by the child's name.
    @Test func entriesKeepTheirNames() throws {
        let entries = try LinkConfig.entries("""
            interfaces:
              ib0:
                mtu: 65520
              ib0.8001:
                pkey: 0x8001
              ib1:
                pkey: 0x8002
            """, file: "test.yaml")
        #expect(entries.map(\.name) == ["ib0", "ib0.8001", "ib1"])
        #expect(entries.map(\.request.interface) == ["ib0", "ib0", "ib1"])
        #expect(entries.map(\.request.target) == ["ib0", "ib0.8001", "ib1.8002"])
    }

    @Test(arguments: [
        ("interfaces: [ib0", "not valid YAML, line"),
        ("interfaces:\n  ib0:\n    mtu: big\n", "mtu 'big' is not a number"),
        ("interfaces:\n  ib0:\n    speed: 100\n", "line 3: unknown setting 'speed'"),
        ("links:\n  ib0: {}\n", "unknown key 'links'"),
        ("interfaces:\n  ib0:\n    mode: fast\n", "mode 'fast' is not connected, datagram or auto"),
        ("interfaces:\n  ib0:\n    pkey: 0x8000\n", "invalid P_Key"),
        ("interfaces:\n  ib0:\n    addresses: [10.0.0.1]\n", "invalid address"),
        ("- ib0\n", "expected a mapping"),
        ("interfaces:\n  ib0:\n    mtu: [1]\n", "ib0: mtu must be a single value"),
        ("interfaces:\n  ib0:\n    mode: [connected]\n", "ib0: mode must be a single value"),
        ("interfaces:\n  ib0:\n    pkey: {a: 1}\n", "ib0: pkey must be a single value"),
        ("interfaces:\n  ib0:\n    pkey: -1\n", "invalid P_Key"),
        ("interfaces:\n  ../x:\n", "bad.yaml: line 2: ../x: not a valid interface name"),
    ])
    func malformedConfigIsOneLine(yaml: String, expected: String) {
        do {
            _ = try LinkConfig.parse(yaml, file: "bad.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.hasPrefix("bad.yaml: "))
            #expect(error.description.contains(expected), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }
}
