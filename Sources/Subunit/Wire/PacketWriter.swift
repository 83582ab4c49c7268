import SystemPackage

/// Writes packets to a file descriptor (stdout, a file, a socket), each packet
/// with one write so concurrent writers do not interleave inside a packet.
///
/// One buffer is kept and reused: writing allocates nothing once the buffer has
/// grown to the largest packet. The descriptor is borrowed, not closed.
public struct PacketWriter {
    public let fileDescriptor: FileDescriptor
    private var buffer: [UInt8]
    private let encoder = PacketEncoder()

    public init(fileDescriptor: FileDescriptor, initialCapacity: Int = 4096) {
        self.fileDescriptor = fileDescriptor
        self.buffer = []
        buffer.reserveCapacity(initialCapacity)
    }

    /// Encodes and writes one packet. On an encoding error nothing is written.
    public mutating func write(_ packet: Packet) throws(SubunitOutputError) {
        buffer.removeAll(keepingCapacity: true)
        do { try encoder.encode(packet, into: &buffer) } catch { throw .encoding(error) }
        try flushBuffer()
    }

    /// Writes an attachment as its chunk packets; see `Attachment.packets(testID:…)`.
    public mutating func write(_ chunks: Attachment.Chunks) throws(SubunitOutputError) {
        for packet in chunks { try write(packet) }
    }

    /// Writes bytes that are already encoded packets (a relayed stream).
    public mutating func write(encoded bytes: UnsafeRawBufferPointer) throws(SubunitOutputError) {
        do { _ = try fileDescriptor.writeAll(bytes) } catch { throw .write(error as? Errno ?? .ioError) }
    }

    private mutating func flushBuffer() throws(SubunitOutputError) {
        let fd = fileDescriptor
        let result: Result<Void, Errno> = buffer.withUnsafeBytes { bytes in
            do {
                _ = try fd.writeAll(bytes)
                return .success(())
            } catch {
                return .failure(error as? Errno ?? .ioError)
            }
        }
        if case .failure(let e) = result { throw .write(e) }
    }
}

/// Why a packet did not reach its output.
public enum SubunitOutputError: Error, Sendable, Equatable, CustomStringConvertible {
    case encoding(EncodingError)
    case write(Errno)

    public var description: String {
        switch self {
        case .encoding(let e): e.description
        case .write(let e):
            "subunit output: write failed (\(e)); check that the reader of the stream is still running and the disk has space"
        }
    }
}
