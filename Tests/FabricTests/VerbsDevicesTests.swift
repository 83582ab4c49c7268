import SysfsFixtures
import Testing
import Fabric

@Test func verbsDeviceListIsEmptyNotACrashWithoutHardware() {
    // On a host with no RDMA device the list is empty; in the Soft-RoCE VM it names rxe0.
    let names = verbsDeviceNames()
    #expect(names.allSatisfy { !$0.isEmpty })
}

@Test func aCapturedTreeIsNotComparedWithThisHostsVerbs() throws {
    let root = try FixtureTrees.root("a")
    defer { FixtureTrees.remove(root) }
    let check = VerbsCrossCheck(comparing: FabricSnapshot.read(root: root))
    #expect(!check.checked)
    #expect(check.reason?.hasPrefix("sysfs root is not /") == true)
}
