/// A packet that cannot be put on the wire. Nothing is appended when it is thrown.
public struct EncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The whole packet would exceed 4,194,303 bytes; split the attachment.
        case packetTooLarge(size: Int)
        /// A length or count exceeds 2^30 - 1.
        case numberTooLarge(Int)
        /// A string field contains U+0000, which every parser rejects.
        case stringContainsNUL
        /// The nanoseconds of the timestamp exceed what the wire holds.
        case nanosecondsOutOfRange(UInt32)
    }

    public let code: Code
    /// The packet field concerned: `test id`, `file content`, `timestamp`, …
    public let field: String

    public init(_ code: Code, field: String) {
        self.code = code
        self.field = field
    }

    public var description: String {
        switch code {
        case .packetTooLarge(let size):
            "subunit packet: \(size) bytes exceeds the 4194303-byte limit (\(field)); send the attachment in chunks"
        case .numberTooLarge(let v):
            "subunit packet: \(field) length \(v) exceeds 1073741823; send it in smaller pieces"
        case .stringContainsNUL:
            "subunit packet: \(field) contains a NUL character; remove it"
        case .nanosecondsOutOfRange(let ns):
            "subunit packet: \(field) nanoseconds \(ns) out of range; give a normalised time"
        }
    }
}
