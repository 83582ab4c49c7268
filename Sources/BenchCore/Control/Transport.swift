/// The server side of one accepted test, made by its transport. The control session drives
/// it: waits for its data path, starts it, and collects its half of the results, every step
/// bounded by a deadline. It lives as long as its control connection.
package protocol ServerTest: AnyObject, Sendable {
    /// Cookie the client's data path presents to join this test (TCP data connections in
    /// their `attach` frame, RDMA connect requests in their private data).
    var session: [UInt8] { get }
    /// What the client needs to open the data path (sent in `accepted`): RDMA's and UDP's
    /// ports, TCP's own port for a `--window` test; empty when TCP uses the server's port.
    var connectInfo: [String: String] { get }
    /// Waits until every part of the data path is in, it failed, or the deadline passes.
    /// Called repeatedly with short deadlines while the control connection is watched.
    func waitForDataPath(until deadline: Deadline) -> DataPathStatus
    func start()
    /// Stops the data threads and releases the test's resources; safe to call twice.
    func abort()
    /// Waits, at most until `deadline`, for the data threads; returns the server's half.
    func results(until deadline: Deadline) -> [BenchResult]
    /// A data connection, on the server's port or the test's own, that presented this test's
    /// session cookie; `leftover` is what arrived after its `attach` frame. Runs on the
    /// connection's thread.
    func attach(_ connection: consuming Socket, stream: Int, leftover: [UInt8])
}

/// Where a test's data path stands while the server waits for it.
package enum DataPathStatus: Equatable, Sendable {
    case ready
    case waiting
    /// It cannot come up (resources, a bad connect request): one line saying why.
    case failed(String)
}

extension ServerTest {
    /// Transports whose data path is not TCP connections to the server's port refuse them.
    package func attach(_ connection: consuming Socket, stream: Int, leftover: [UInt8]) {
        _ = ControlChannel(socket: connection).send(.error("this test takes no data connections on the control port"),
                                                    until: .after(seconds: 2))
    }
}

/// A way of moving test data (TCP, RDMA) that the server can run tests over. Register each
/// with the server; a `setup` names a kind, which picks the transport.
package protocol Transport: Sendable {
    /// Test kinds this transport runs: `tcp.stream`, `rdma.write.bw`, …
    var kinds: [String] { get }
    /// The server side of a test for `plan`; throws (and makes nothing) when this host
    /// cannot run it, saying why in one line.
    func makeServerTest(plan: TestPlan, session: [UInt8]) throws(BenchError) -> any ServerTest
    /// Releases what the transport holds for the server's lifetime (a listener); the server
    /// calls it once, when it stops serving.
    func shutdown()
}

extension Transport {
    package func shutdown() {}
}

/// The test kinds a server runs, each with its transport.
package struct TransportRegistry: Sendable {
    package private(set) var transports: [any Transport] = []
    package init(_ transports: [any Transport] = []) { self.transports = transports }
    package var kinds: Set<String> { Set(transports.flatMap(\.kinds)) }
    package func transport(for kind: String) -> (any Transport)? {
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
