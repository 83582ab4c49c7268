/// The server side of one accepted test, made by its transport. The control runner drives it:
/// waits for its data path, starts it, and collects its half of the results, every step
/// bounded by a deadline.
public protocol ServerTest: AnyObject, Sendable {
    /// Cookie data connections present to join this test.
    var session: [UInt8] { get }
    /// What the client needs to open the data path (sent in `accepted`); empty for TCP.
    var connectInfo: [String: String] { get }
    /// Blocks until every data connection is in (true) or the deadline passes (false).
    func waitForDataPath(until deadline: Deadline) -> Bool
    func start()
    /// Stops the data threads and releases the test's resources; safe to call twice.
    func abort()
    /// Waits, at most until `deadline`, for the data threads; returns the server's half.
    func results(until deadline: Deadline) -> [BenchResult]
}

/// A way of moving test data (TCP, RDMA) that the server can run tests over. Register each
/// with the server's `TransportRegistry`; a `setup` names a kind, which picks the transport.
public protocol Transport: Sendable {
    /// Test kinds this transport runs: `tcp.stream`, `rdma.write`, …
    var kinds: [String] { get }
    func makeServerTest(plan: TestPlan, session: [UInt8]) throws(BenchError) -> any ServerTest
}

/// The test kinds a server runs, each with its transport.
public struct TransportRegistry: Sendable {
    public private(set) var transports: [any Transport] = []
    public init(_ transports: [any Transport] = []) { self.transports = transports }
    public mutating func register(_ t: any Transport) { transports.append(t) }
    public var kinds: Set<String> { Set(transports.flatMap(\.kinds)) }
    public func transport(for kind: String) -> (any Transport)? {
        transports.first { $0.kinds.contains(kind) }
    }
}

/// A benchmark error as one line: `<subject>: <what failed>[ (<errno>)]; <next step>`.
public struct BenchError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        /// Bad arguments or options.
        case usage
        /// Peer unreachable, refused, lost or speaking something else.
        case peer
        /// A local resource (socket, thread, device) could not be had.
        case local
    }
    public let code: Code
    public let subject: String
    public let what: String
    public let errnoName: String?
    public let next: String

    public init(_ code: Code, subject: String, what: String, errnoName: String? = nil, next: String) {
        self.code = code
        self.subject = subject
        self.what = what
        self.errnoName = errnoName
        self.next = next
    }

    public var description: String {
        "\(subject): \(what)\(errnoName.map { " (\($0))" } ?? ""); \(next)"
    }
}
