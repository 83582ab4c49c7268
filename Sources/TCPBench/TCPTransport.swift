import BenchCore
import Synchronization

/// TCP as a `Transport`: makes the server side of `tcp.*` tests and keeps them by session
/// cookie, so data connections arriving on the server's one port find their test.
public final class TCPTransport: Transport {
    public var kinds: [String] { TCPMode.allCases.map(\.kind) }
    private let sessions = Mutex<[[UInt8]: TCPServerTest]>([:])

    public init() {}

    public func makeServerTest(plan: TestPlan, session: [UInt8]) throws(BenchError) -> any ServerTest {
        guard let mode = TCPMode(kind: plan.kind) else {
            throw BenchError(.usage, subject: plan.kind, what: "not a TCP test", next: "use one of \(kinds.joined(separator: ", "))")
        }
        let test = TCPServerTest(plan: plan, mode: mode, session: session) { [weak self] cookie in
            _ = self?.sessions.withLock { $0.removeValue(forKey: cookie) }
        }
        sessions.withLock { $0[session] = test }
        return test
    }

    func test(for session: [UInt8]) -> TCPServerTest? {
        sessions.withLock { $0[session] }
    }

    var activeSessions: Int { sessions.withLock { $0.count } }
}
