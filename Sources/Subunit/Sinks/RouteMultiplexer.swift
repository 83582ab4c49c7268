import Synchronization

/// Merges several streams into one sink, marking each packet with the label
/// of its input: a packet without a route code gets the label, one with a
/// route code gets `label/code` (testtools' `StreamToQueue` does the same).
/// Inputs may be fed from different threads; events reach the sink one at a time.
public final class RouteMultiplexer<Downstream: StreamResult & Sendable>: Sendable {
    @usableFromInline let downstream: Mutex<Downstream>

    public init(_ downstream: Downstream) {
        self.downstream = Mutex(downstream)
    }

    /// A sink for one input stream.
    public func input(label: String) -> Input {
        Input(mux: self, label: label)
    }

    /// Runs `body` on the merged sink (to start or stop the run, or read results).
    /// Inlinable: called once per packet for a single input, and a generic call
    /// across modules would look up its closure's metadata every time.
    @inlinable
    public func withDownstream<R>(_ body: (inout Downstream) -> R) -> R {
        downstream.withLock { body(&$0) }
    }

    /// The route code a packet from input `label` gets.
    public static func route(_ label: String, _ existing: String?) -> String {
        guard let existing else { return label }
        return label + "/" + existing
    }

    /// One input of the multiplexer. Starting and stopping the run belong to
    /// the merged sink, so an input ignores them.
    public struct Input: StreamResult, Sendable {
        let mux: RouteMultiplexer
        public let label: String

        public mutating func status(_ packet: Packet) {
            var p = packet
            p.routeCode = RouteMultiplexer.route(label, packet.routeCode)
            mux.downstream.withLock { $0.status(p) }
        }

        public mutating func nonSubunit(_ bytes: [UInt8]) {
            status(.nonSubunit(bytes))
        }

        public mutating func corrupt(_ corruption: Corruption) {
            var c = corruption
            c.routeCode = RouteMultiplexer.route(label, corruption.routeCode)
            mux.downstream.withLock { $0.corrupt(c) }
        }
    }
}
