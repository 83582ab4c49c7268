/// Receives a decoded stream, event by event: the Swift counterpart of
/// testtools' `StreamResult`. Sinks compose: a decoder feeds a multiplexer,
/// which feeds a tee, which feeds a collector and a summary.
///
/// Only `status` is required. By default non-subunit text arrives as a
/// stream-level `stdout` file packet and a corrupt packet as the two
/// `subunit.parser` packets python-subunit reports, so a sink that handles
/// packets sees everything the python tools see.
public protocol StreamResult {
    /// Before the first event.
    mutating func startTestRun()
    /// One packet.
    mutating func status(_ packet: Packet)
    /// One packet and the bytes it was decoded from, valid only during the call: a sink
    /// that passes packets on unchanged copies them rather than encoding the packet again.
    /// By default, `status(packet)`.
    mutating func status(_ packet: Packet, wire: UnsafeRawBufferPointer)
    /// Bytes that were not subunit.
    mutating func nonSubunit(_ bytes: [UInt8])
    /// A packet that could not be decoded.
    mutating func corrupt(_ corruption: Corruption)
    /// After the last event: unfinished tests are settled here.
    mutating func stopTestRun()
    /// Every byte read so far has been decoded and handed on; the reader may
    /// wait for more next. A sink that buffers output writes it here, so rows
    /// still appear as tests finish on a live pipe.
    mutating func caughtUp()
}

extension StreamResult {
    public mutating func startTestRun() {}
    public mutating func stopTestRun() {}
    public mutating func caughtUp() {}

    public mutating func status(_ packet: Packet, wire: UnsafeRawBufferPointer) {
        status(packet)
    }

    public mutating func nonSubunit(_ bytes: [UInt8]) {
        status(.nonSubunit(bytes))
    }

    public mutating func corrupt(_ corruption: Corruption) {
        for p in corruption.packets { status(p) }
    }

    /// Dispatches one decoder event. Inlinable so that a caller outside the
    /// module dispatches straight to its concrete sink.
    @inlinable
    public mutating func handle(_ event: Event) {
        switch event {
        case .packet(let p): status(p)
        case .nonSubunit(let b): nonSubunit(b)
        case .corrupt(let c): corrupt(c)
        }
    }
}

/// Sends every event to two sinks, first `a` then `b`.
public struct Tee<A: StreamResult, B: StreamResult>: StreamResult {
    public var a: A
    public var b: B

    public init(_ a: A, _ b: B) {
        self.a = a
        self.b = b
    }

    public mutating func startTestRun() { a.startTestRun(); b.startTestRun() }
    public mutating func status(_ packet: Packet) { a.status(packet); b.status(packet) }
    public mutating func status(_ packet: Packet, wire: UnsafeRawBufferPointer) {
        a.status(packet, wire: wire)
        b.status(packet, wire: wire)
    }
    public mutating func nonSubunit(_ bytes: [UInt8]) { a.nonSubunit(bytes); b.nonSubunit(bytes) }
    public mutating func corrupt(_ corruption: Corruption) { a.corrupt(corruption); b.corrupt(corruption) }
    public mutating func stopTestRun() { a.stopTestRun(); b.stopTestRun() }
    public mutating func caughtUp() { a.caughtUp(); b.caughtUp() }
}

/// Re-encodes every event as subunit v2 into a byte array: non-subunit text
/// becomes a `stdout` file packet and corruption the `subunit.parser` packets.
public struct EncodingSink: StreamResult {
    public var bytes: [UInt8] = []
    /// Packets that could not be encoded (a route code pushed one over the size limit).
    public var errors: [EncodingError] = []
    private let encoder = PacketEncoder()

    public init() {}

    public mutating func status(_ packet: Packet) {
        do { try encoder.encode(packet, into: &bytes) } catch { errors.append(error) }
    }
}
