/// Flag bits of the 16-bit big-endian flags field (subunit v2 spec, section 3).
enum Flags {
    static let versionMask: UInt16 = 0xF000
    static let version2: UInt16 = 0x2000
    static let testID: UInt16 = 0x0800
    static let routeCode: UInt16 = 0x0400
    static let timestamp: UInt16 = 0x0200
    static let runnable: UInt16 = 0x0100
    static let tags: UInt16 = 0x0080
    static let fileContent: UInt16 = 0x0040
    static let mimeType: UInt16 = 0x0020
    static let eof: UInt16 = 0x0010
    /// Must be zero in version 2.
    static let reserved: UInt16 = 0x0008
    static let statusMask: UInt16 = 0x0007
}

/// Size limits of the wire format.
public enum Limits {
    /// Every packet starts with this byte (spec section 1).
    public static let signature: UInt8 = 0xB3
    /// Largest packet: the length field has at most 3 bytes (spec section 5).
    public static let maxPacketSize = 4_194_303
    /// Smallest packet: signature, flags, 1-byte length, CRC (spec section 2).
    public static let minPacketSize = 8
    /// Largest value a subunit number holds (2^30 - 1, spec section 4).
    public static let maxNumber = 1_073_741_823
    /// Attachment chunk size ibkit writes: far below the packet limit, so a
    /// multiplexer can add a route code without overflowing (spec section 9.4).
    public static let defaultChunkSize = 65_536
}
