import SystemPackage
import SystemCalls

/// Everything that stops `ibsetup up`, `down` or `stanza`, each printed as one
/// line: `<subject>: <what failed>[ (<errno>)]; <next step>`.
public enum LinkSetupError: Error, Equatable, Sendable, CustomStringConvertible {
    // Bad input
    case invalidAddress(String, reason: String)
    case invalidPKey(String)
    case mtuOutOfRange(Int, mode: IPoIBMode, maximum: Int)
    case mtuTooSmallForIPv6(Int)
    case invalidInterfaceName(String)
    case config(file: String, reason: String)
    case pkeyOnChild(String)

    // The system is not as required
    case unknownInterface(String, known: [String], hasInfiniBand: Bool)
    case notIPoIB(String, type: Int)
    case connectedModeUnsupported(String)
    case portNotActive(String, port: String, state: String)
    case noSubnetManager(String, port: String)
    case notRoot(String)
    case sysfsRootWithoutDryRun(String)
    case notAChild(String)

    // A change failed (and what was done before it was undone)
    case stepFailed(step: String, subject: String, error: NetlinkError, rolledBack: Int, rollbackFailures: [String])
    case verifyFailed(String, setting: String, expected: String, found: String, rolledBack: Int)
    case readFailed(String, what: String, error: NetlinkError)

    // Files
    case fileWrite(path: String, error: Errno, doing: String)
    case wouldClobber(path: String, interfaces: [String])
    case unsupported(String, what: String, next: String)

    /// True when the system simply is not ready (the check said no), as
    /// opposed to bad input or a failed change.
    public var isCheckFailure: Bool {
        switch self {
        case .portNotActive, .noSubnetManager: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case let .invalidAddress(text, reason):
            "\(text): invalid address, \(reason)"
        case let .invalidPKey(text):
            "\(text): invalid P_Key, must be 0x0001 to 0xffff and not 0x8000 (the full-member bit alone); e.g. --pkey 0x8001"
        case let .mtuOutOfRange(mtu, mode, maximum):
            mode == .datagram && mtu <= IPoIBMTU.connectedMaximum && mtu >= IPoIBMTU.minimum
                ? "MTU \(mtu): too large for datagram mode (at most \(maximum) bytes); use --mode connected or a smaller --mtu"
                : "MTU \(mtu): out of range, \(mode) mode allows \(IPoIBMTU.minimum) to \(maximum) bytes; pick a value in that range"
        case let .mtuTooSmallForIPv6(mtu):
            "MTU \(mtu): IPv6 needs at least \(IPoIBMTU.ipv6Minimum) bytes; raise --mtu or drop the IPv6 address"
        case let .invalidInterfaceName(name):
            "\(name.isEmpty ? "''" : name): not a valid interface name (1 to 15 letters, digits, '.', '-' or '_'); check the spelling"
        case let .config(file, reason):
            "\(file): \(reason); fix the file (see configs/ipoib.yaml for the format)"
        case let .pkeyOnChild(name):
            "\(name): is already a P_Key child; give its parent with --pkey, e.g. ibsetup up ib0 --pkey 0x8001"
        case let .unknownInterface(name, known, hasInfiniBand):
            !known.isEmpty
                ? "\(name): no such interface; IPoIB interfaces here: \(known.joined(separator: ", "))"
                : hasInfiniBand
                    ? "\(name): no such interface, and no IPoIB interface at all; load ib_ipoib (modprobe ib_ipoib) and check 'ibsetup status'"
                    : "\(name): no such interface, and no InfiniBand port on this host (RoCE ports carry no IPoIB); check 'ibsetup status'"
        case let .notIPoIB(name, type):
            "\(name): not an IPoIB interface (link type \(type), IPoIB is 32); pick one listed by 'ibsetup status'"
        case let .connectedModeUnsupported(name):
            "\(name): connected mode not supported (enhanced IPoIB, address flags without 0x80, the kernel answers EINVAL); use --mode auto or --mode datagram"
        case let .portNotActive(name, port, state):
            "\(name): port \(port) is \(state), not ACTIVE; check the cable and the switch port, then 'ibsetup status'"
        case let .noSubnetManager(name, port):
            "\(name): no subnet manager on \(port) (state INIT, SM LID 0); start opensm on one node of the fabric"
        case let .notRoot(name):
            "\(name): changing a link needs root (CAP_NET_ADMIN); run as root or add --dry-run"
        case let .sysfsRootWithoutDryRun(root):
            "\(root): --sysfs-root reads a captured tree and cannot change it; add --dry-run"
        case let .notAChild(name):
            "\(name): --delete-child needs a P_Key child such as ib0.8001; leave the option out for a parent interface"
        case let .stepFailed(step, subject, error, rolledBack, failures):
            "\(subject): \(step) failed (\(error)); "
                + (failures.isEmpty
                    ? "undid the \(rolledBack) earlier step\(rolledBack == 1 ? "" : "s"), nothing changed"
                    : "undo also failed for: \(failures.joined(separator: ", ")); check with 'ip -d link show \(subject)'")
        case let .verifyFailed(name, setting, expected, found, rolledBack):
            "\(name): \(setting) reads \(found) after setting \(expected); undid \(rolledBack) step\(rolledBack == 1 ? "" : "s"), check the kernel log (dmesg)"
        case let .readFailed(name, what, error):
            "\(name): cannot read \(what) (\(error)); check that the interface exists"
        case let .fileWrite(path, error, doing):
            "\(path): cannot \(doing) (\(error.symbol)); check the directory exists and is writable"
        case let .wouldClobber(path, interfaces):
            "\(path): also configures \(interfaces.joined(separator: ", ")); move that stanza out or write with --format to another file"
        case let .unsupported(subject, what, next):
            "\(subject): \(what); \(next)"
        }
    }
}
