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
    /// Input not yet decoded is `storage[head..<tail]`; `storage.count` is the capacity.
    @usableFromInline var storage: [UInt8] = []
    private var head = 0
    private var tail = 0
    /// Stream offset of `storage[head]`.
    private var offset = 0
    private var text = TextState()
    private var ended = false
    /// Strings of the last packet, shared by the next one when it repeats them.
    private var recent = RecentStrings()

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
        reserveFree(bytes.count)
        storage.withUnsafeMutableBytes { s in
            UnsafeMutableRawBufferPointer(rebasing: s[tail..<tail + bytes.count]).copyMemory(from: bytes)
        }
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
        let t = tail
        let result: Result<Int, E> = storage.withUnsafeMutableBytes { s in
            do throws(E) { return .success(try fill(UnsafeMutableRawBufferPointer(rebasing: s[t...]))) } catch {
                return .failure(error)
            }
        }
        let n = try result.get()
        precondition(n >= 0 && n <= storage.count - tail, "fill reported more bytes than it had room for")
        tail += n
        return n
    }

    /// The next event, or nil when more input is needed (or, after
    /// `finish()`, when everything has been returned).
    public mutating func next() -> Event? {
        guard let s = step() else { return nil }
        switch s {
        case .corrupt(let c):
            return .corrupt(c)
        case .text(let a, let b):
            return .nonSubunit(Array(storage[a..<b]))
        case .packet(let a, let n, let layout):
            var recent = self.recent
            let packet = storage.withUnsafeBytes { p in
                recent.packet(PacketView(bytes: UnsafeRawBufferPointer(rebasing: p[a..<a + n]), layout: layout))
            }
            self.recent = recent
            return .packet(packet)
        }
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
        switch s {
        case .corrupt(let c):
            return try body(.corrupt(c))
        case .text(let a, let b):
            return try withStorage { (p) throws(E) -> R in
                try body(.nonSubunit(UnsafeRawBufferPointer(rebasing: p[a..<b])))
            }
        case .packet(let a, let n, let layout):
            return try withStorage { (p) throws(E) -> R in
                try body(.packet(PacketView(bytes: UnsafeRawBufferPointer(rebasing: p[a..<a + n]), layout: layout)))
            }
        }
    }

    /// `storage.withUnsafeBytes` with a typed error.
    @inlinable
    func withStorage<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = storage.withUnsafeBytes { p in
            do throws(E) { return .success(try body(p)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// One decoding step, as positions in `storage`; they stay valid until the
    /// decoder is next changed.
    @usableFromInline
    enum Step {
        case packet(start: Int, length: Int, layout: PacketLayout)
        case text(start: Int, end: Int)
        case corrupt(Corruption)
    }

    /// Decodes the next event; nil when more input is needed.
    @usableFromInline
    mutating func step() -> Step? {
        guard head < tail else { return nil }
        if storage[head] == Limits.signature && !text.midCharacter {
            return packetStep()
        }
        // Text up to the next packet signature that is not inside a UTF-8 character.
        var i = head
        let limit = Swift.min(tail, head + options.maxTextChunk)
        while i < limit {
            let c = storage[i]
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

    private mutating func packetStep() -> Step? {
        let available = tail - head
        guard available >= Self.headerSize else {
            guard ended else { return nil }
            return corrupt("Short read - got \(available - 1) bytes, wanted 5 bytes", packetData: 1, skip: available)
        }
        let b0 = Int(storage[head + 3])
        let width = 1 + (b0 >> 6)
        guard width <= 3 else {
            return corrupt("3 byte maximum given but 4 byte value found.", packetData: Self.headerSize, skip: Self.headerSize)
        }
        var length = b0 & 0x3F
        for k in 1..<width { length = (length << 8) | Int(storage[head + 3 + k]) }
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
        let start = head
        if tooSmall {
            let failure = storage.withUnsafeBytes { s in
                PacketLayout.checksumFailure(UnsafeRawBufferPointer(rebasing: s[start..<start + length]))
            }
            return corrupt(failure?.message ?? Self.tooSmallMessage(length), packetData: length, skip: length)
        }
        let strict = options.strict
        let parsed: Result<PacketLayout, ParseFailure> = storage.withUnsafeBytes { s in
            PacketLayout.parse(UnsafeRawBufferPointer(rebasing: s[start..<start + length]), lengthWidth: width, strict: strict)
        }
        switch parsed {
        case .failure(let f):
            return corrupt(f.message, packetData: length, skip: length)
        case .success(let layout):
            consume(length)
            return .packet(start: start, length: length, layout: layout)
        }
    }

    private static func tooSmallMessage(_ length: Int) -> String {
        "Packet length \(length) is too small to hold its header and checksum"
    }

    private mutating func corrupt(_ message: String, packetData: Int, skip: Int) -> Step {
        let c = Corruption(message: message, packetData: Array(storage[head..<head + packetData]),
                           offset: offset, skipped: skip)
        consume(skip)
        return .corrupt(c)
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
    /// front or growing the buffer.
    private mutating func reserveFree(_ n: Int) {
        if storage.count - tail >= n { return }
        if head > 0 {
            let (h, t) = (head, tail)
            storage.withUnsafeMutableBytes { s in
                if t > h { s.baseAddress!.copyMemory(from: s.baseAddress! + h, byteCount: t - h) }
            }
            tail -= head
            head = 0
            if storage.count - tail >= n { return }
        }
        let newCount = Swift.max(storage.count * 2, tail + n, 4096)
        storage.append(contentsOf: repeatElement(0, count: newCount - storage.count))
    }
}
