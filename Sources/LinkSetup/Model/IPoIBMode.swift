import Fabric

/// The IPoIB transport mode of a netdev, as Fabric's discovery reads it:
/// connected (Reliable Connected QPs, MTU up to 65520) or datagram (MTU = IB
/// MTU − 4, from the SM's broadcast group).
public typealias IPoIBMode = Fabric.IPoIBMode

extension IPoIBMode {
    /// The exact bytes the kernel accepts on the sysfs `mode` file: it compares
    /// with `strcmp(buf, "connected\n")`, so the newline is required.
    public var sysfsValue: String { rawValue + "\n" }

    /// `IFLA_IPOIB_MODE` (`IPOIB_MODE_DATAGRAM` 0, `IPOIB_MODE_CONNECTED` 1).
    var netlinkValue: UInt16 { self == .connected ? 1 : 0 }
}

/// The mode an `ibsetup up` request asks for.
public enum RequestedMode: String, Sendable, Codable, CaseIterable {
    case connected, datagram
    /// Connected where the HCA can do it, datagram at the largest MTU otherwise.
    case auto
}

/// MTU limits of IPoIB, from the kernel's `ipoib.h`.
public enum IPoIBMTU {
    /// `IPOIB_CM_MTU` = 0x10000 − 0x10: the connected-mode maximum.
    public static let connectedMaximum = 65520
    /// `IPOIB_UD_MTU(4096)`: the datagram maximum on a 4K IB MTU.
    public static let datagramMaximum = 4092
    /// The smallest MTU IPv4 accepts.
    public static let minimum = 68
    /// The smallest MTU on which the kernel keeps IPv6 enabled.
    public static let ipv6Minimum = 1280
}
