/// Incremental subunit v2 decoder: bytes go in as they arrive, events come out.
///
/// `next()` returns nil when it needs more bytes; bad input is an event
/// (`.corrupt`), never a throw, and decoding resumes after it. After the last
/// byte call `finish()` until it returns nil: what is left comes back as text
/// or as a truncated packet.
///
/// By default the decoder splits a stream exactly as python-subunit's
/// `ByteStreamToStreamResult` does (spec 7.1 to 7.3): a `0xB3` starts a packet
/// unless it continues a UTF-8 character in the text before it; a damaged
/// packet is reported with python's message and the same bytes are skipped.
/// Differences, where python crashes or has no limit: a length field too small
/// to hold its own header and CRC, a number running past the packet end, and a
/// timestamp cut short are reported as corruption. `Options.strict` also
/// rejects what python lets through: a version other than 2, the reserved
/// flag bit, and unused bytes before the CRC.
///
/// Memory: the decoder holds at most one packet (4 MiB) plus what was fed and
/// not yet decoded. Text between packets is returned in chunks of at most
/// `maxTextChunk` bytes, and as soon as it is available.
public struct PacketDecoder: Sendable {
    public struct Options: Sendable, Equatable {
        public var strict: Bool
        public var maxTextChunk: Int

        public init(strict: Bool = false, maxTextChunk: Int = 1 << 20) {
            precondition(maxTextChunk > 0, "text chunk size must be positive")
            self.strict = strict
            self.maxTextChunk = maxTextChunk
        }
    }

    public let options: Options
    /// Input not yet decoded is `input.base[head..<tail]`.
    @usableFromInline var input = InputBuffer.empty
    private var head = 0
    private var tail = 0
    /// Stream offset of `input.base[head]`.
    private var offset = 0
    private var text = TextState()
    private var ended = false
    /// Strings of the last packet, shared by the next one when it repeats them.
    private var recent = RecentStrings()
    /// The damage `step` found when it returns `.corrupt`; kept here so that a
    /// step is a plain value, copied and dropped without reference counting.
    @usableFromInline var corruption: Corruption?

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Bytes fed but not yet returned as events.
    public var bufferedByteCount: Int { tail - head }

    /// Total bytes returned as events so far.
    public var decodedByteCount: Int { offset }

    /// Adds input.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        precondition(!ended, "feed after finish")
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserveFree(bytes.count)
        (input.base + tail).copyMemory(from: source, byteCount: bytes.count)
        tail += bytes.count
    }

    /// Adds input.
    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ feed(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { feed($0) }
        }
    }

    /// Lets `fill` write input straight into the decoder's buffer (a `read`
    /// into free space of at least `minimumCapacity` bytes); it returns how many
    /// bytes it wrote. Saves a copy when reading from a descriptor.
    public mutating func fill<E: Error>(
        minimumCapacity: Int = 65_536, _ fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int
    ) throws(E) -> Int {
        precondition(!ended, "fill after finish")
        reserveFree(minimumCapacity)
        let free = input.capacity - tail
        let n = try fill(UnsafeMutableRawBufferPointer(start: input.base + tail, count: free))
        precondition(n >= 0 && n <= free, "fill reported more bytes than it had room for")
        tail += n
        return n
    }

    /// The next event, or nil when more input is needed (or, after
    /// `finish()`, when everything has been returned).
    public mutating func next() -> Event? {
        guard let s = step() else { return nil }
        switch s {
        case .corrupt:
            return .corrupt(corruption.take()!)
        case .text(let a, let b):
            return .nonSubunit(Array(UnsafeRawBufferPointer(start: input.base + a, count: b - a)))
        case .packet(let a, _, let layout):
            // The bytes stay put until the next feed or fill: `step` only reads them.
            let packet = recent.packet(UnsafeRawPointer(input.base + a), layout)
            return .packet(consume packet)
        }
    }

    /// Hands the next event to `sink`, a packet with the bytes it was decoded from;
    /// false, without calling `sink`, when more input is needed.
    mutating func deliverNext(to sink: inout some StreamResult) -> Bool {
        guard let s = step() else { return false }
        switch s {
        case .corrupt:
            sink.corrupt(corruption.take()!)
        case .text(let a, let b):
            sink.nonSubunit(Array(UnsafeRawBufferPointer(start: input.base + a, count: b - a)))
        case .packet(let a, let n, let layout):
            let packet = recent.packet(UnsafeRawPointer(input.base + a), layout)
            sink.status(packet, wire: UnsafeRawBufferPointer(start: input.base + a, count: n))
        }
        return true
    }

    /// Marks the end of input and returns the next event; call until nil.
    public mutating func finish() -> Event? {
        ended = true
        return next()
    }

    /// Marks the end of input; then `next()`/`nextView` return the rest.
    public mutating func endOfInput() {
        ended = true
    }

    /// Like `next()`, but hands the event to `body` without copying: the
    /// view's bytes are valid only during the call. Returns nil, without
    /// calling `body`, when more input is needed.
    @inlinable
    public mutating func nextView<R, E: Error>(_ body: (EventView) throws(E) -> R) throws(E) -> R? {
        guard let s = step() else { return nil }
        // `self` is borrowed for the whole call, so the buffer can be neither
        // written nor freed while `body` reads from it.
        switch s {
        case .corrupt:
            return try body(.corrupt(corruption.take()!))
        case .text(let a, let b):
            return try body(.nonSubunit(UnsafeRawBufferPointer(start: input.base + a, count: b - a)))
        case .packet(let a, let n, let layout):
            return try body(.packet(PacketView(bytes: UnsafeRawBufferPointer(start: input.base + a, count: n), layout: layout)))
        }
    }

    /// One decoding step, as positions in `input`; they stay valid until the
    /// decoder is next fed.
    @usableFromInline
    enum Step {
        case packet(start: Int, length: Int, layout: PacketLayout)
        case text(start: Int, end: Int)
        /// What was wrong is in `corruption`.
        case corrupt
    }

    /// Decodes the next event; nil when more input is needed.
    @usableFromInline
    mutating func step() -> Step? {
        guard head < tail else { return nil }
        // Every load below is at an index in head..<tail, bytes that were fed.
        let p = UnsafeRawPointer(input.base)
        if p.load(fromByteOffset: head, as: UInt8.self) == Limits.signature && !text.midCharacter {
            return packetStep(p + head)
        }
        // Text up to the next packet signature that is not inside a UTF-8 character.
        var i = head
        let limit = Swift.min(tail, head + options.maxTextChunk)
        while i < limit {
            let c = p.load(fromByteOffset: i, as: UInt8.self)
            if c == Limits.signature && !text.midCharacter { break }
            text.feed(c)
            i += 1
        }
        let start = head
        consume(i - start)
        return .text(start: start, end: i)
    }

    /// Header: signature, two flag bytes, and three bytes that hold the length
    /// (and, when it is shorter, the start of the body); python reads these first.
    private static let headerSize = 6

    /// Decodes the packet starting at `packet` (that is, at `head`).
    @inline(__always)
    private mutating func packetStep(_ packet: UnsafeRawPointer) -> Step? {
        let available = tail - head
        guard available >= Self.headerSize else {
            guard ended else { return nil }
            return corrupt("Short read - got \(available - 1) bytes, wanted 5 bytes", packetData: 1, skip: available)
        }
        // The header's six bytes are there; the body is read only once all
        // `length` bytes are.
        let b0 = Int(packet.load(fromByteOffset: 3, as: UInt8.self))
        let width = 1 + (b0 >> 6)
        guard width <= 3 else {
            return corrupt("3 byte maximum given but 4 byte value found.", packetData: Self.headerSize, skip: Self.headerSize)
        }
        var length = b0 & 0x3F
        for k in 1..<width { length = (length << 8) | Int(packet.load(fromByteOffset: 3 + k, as: UInt8.self)) }
        // Too short to hold its own header and CRC. python still reads such a
        // packet when its length field has 1 or 2 bytes and the length is at least
        // 6, and judges it by the CRC; below that it crashes. Keep its reading
        // where it has one.
        let tooSmall = length < 3 + width + 4
        if tooSmall && (length < Self.headerSize || width == 3) {
            return corrupt(Self.tooSmallMessage(length), packetData: Self.headerSize, skip: Self.headerSize)
        }
        guard available >= length else {
            guard ended else { return nil }
            return corrupt("Short read - got \(available - Self.headerSize) bytes, wanted \(length - Self.headerSize) bytes",
                           packetData: Self.headerSize, skip: available)
        }
        if tooSmall {
            let failure = PacketLayout.checksumFailure(packet, count: length)
            return corrupt(failure?.message ?? Self.tooSmallMessage(length), packetData: length, skip: length)
        }
        do throws(ParseFailure) {
            let layout = try PacketLayout.parse(packet, count: length, lengthWidth: width, strict: options.strict)
            let start = head
            consume(length)
            return .packet(start: start, length: length, layout: layout)
        } catch {
            return corrupt(error.message, packetData: length, skip: length)
        }
    }

    private static func tooSmallMessage(_ length: Int) -> String {
        "Packet length \(length) is too small to hold its header and checksum"
    }

    private mutating func corrupt(_ message: String, packetData: Int, skip: Int) -> Step {
        let data = Array(UnsafeRawBufferPointer(start: input.base + head, count: packetData))
        corruption = Corruption(message: message, packetData: data, offset: offset, skipped: skip)
        consume(skip)
        return .corrupt
    }

    @inline(__always)
    private mutating func consume(_ n: Int) {
        head += n
        offset += n
        if head == tail {
            head = 0
            tail = 0
        }
    }

    /// Makes room for `n` more bytes after `tail`, moving pending input to the
    /// front or into a larger buffer. Afterwards `input` is not shared with
    /// any copy of this decoder, so it may be written.
    private mutating func reserveFree(_ n: Int) {
        let pending = tail - head
        let unique = isKnownUniquelyReferenced(&input)
        if unique {
            if input.capacity - tail >= n { return }
            if head > 0 && input.capacity - pending >= n {
                input.base.copyMemory(from: input.base + head, byteCount: pending)  // memmove: may overlap
                head = 0
                tail = pending
                return
            }
        }
        let capacity = Swift.max(unique ? input.capacity * 2 : input.capacity, pending + n, 4096)
        input = InputBuffer(capacity: capacity, copying: UnsafeRawBufferPointer(start: input.base + head, count: pending))
        head = 0
        tail = pending
    }
}
