/// The decoder's input bytes, in memory it owns.
///
/// A class rather than an array so that the decoder can hold a plain pointer
/// to the bytes while it builds values from them (an array's bytes are only
/// reachable inside a closure that keeps the whole decoder borrowed), and so
/// that growing the buffer does not zero-fill memory about to be overwritten.
/// The decoder copies it before writing when it is shared (copy on write), so
/// a copied decoder never sees the other's input change.
@usableFromInline
final class InputBuffer: @unchecked Sendable {
    // Sendable: the bytes are written only through a uniquely referenced
    // buffer (PacketDecoder checks before every write); shared ones are read-only.

    @usableFromInline let base: UnsafeMutableRawPointer
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// An empty buffer of `capacity` bytes holding a copy of `bytes` at its start.
    convenience init(capacity: Int, copying bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= capacity, "input buffer too small for what it must hold")
        self.init(capacity: capacity)
        if let source = bytes.baseAddress, bytes.count > 0 { base.copyMemory(from: source, byteCount: bytes.count) }
    }
}

extension InputBuffer {
    /// What a new decoder starts with; replaced at the first feed.
    static let empty = InputBuffer(capacity: 0)
}
