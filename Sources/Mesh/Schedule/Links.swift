/// One direction of a link: `from` sends (the stream client, the RDMA writer), `to`
/// receives. Bandwidth is a property of a direction, so verdicts and matrices are kept
/// per directed link.
public struct DirectedLink: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let from: String
    public let to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    public var reversed: DirectedLink { DirectedLink(from: to, to: from) }
    /// The unordered pair it belongs to.
    public var pair: NodePair { NodePair(from, to) }
    /// `node3-node7`: the tail of the test id, `ibbench.mesh.tcp.stream.node3-node7`.
    public var description: String { "\(from)-\(to)" }

    public static func < (a: DirectedLink, b: DirectedLink) -> Bool {
        (a.from, a.to) < (b.from, b.to)
    }
}

/// An unordered pair of nodes, stored with the smaller name first so that `a b` and
/// `b a` are the same pair.
public struct NodePair: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let low: String
    public let high: String

    public init(_ a: String, _ b: String) {
        (low, high) = a <= b ? (a, b) : (b, a)
    }

    public func contains(_ node: String) -> Bool { low == node || high == node }
    public var description: String { "\(low) \(high)" }

    public static func < (a: NodePair, b: NodePair) -> Bool { (a.low, a.high) < (b.low, b.high) }
}

/// How the two directions of a scheduled pair are tested.
public enum DirectionMode: String, Sendable, Codable, CaseIterable {
    /// Both directions at once (each node is client and server in the same step): the
    /// fabric is full duplex, this halves the run time and loads the link as jobs do.
    case simultaneous
    /// `first → second`, then `second → first`.
    case sequential
}

/// One pair of a round and the directions of it still to test (both, unless a resumed
/// run has one of them already).
public struct PairTest: Hashable, Sendable, CustomStringConvertible {
    public let first: String
    public let second: String
    /// `first → second` and/or `second → first`, in the order a sequential run tests them.
    public var links: [DirectedLink]

    public init(first: String, second: String, links: [DirectedLink]? = nil) {
        self.first = first
        self.second = second
        self.links = links ?? [DirectedLink(from: first, to: second), DirectedLink(from: second, to: first)]
    }

    public var pair: NodePair { NodePair(first, second) }

    /// What runs together: one phase holding both directions when simultaneous, one
    /// phase per direction when sequential.
    public func phases(_ mode: DirectionMode) -> [[DirectedLink]] {
        if links.isEmpty { return [] }
        switch mode {
        case .simultaneous: return [links]
        case .sequential: return links.map { [$0] }
        }
    }

    public var description: String { "\(first) \(second)" }
}
