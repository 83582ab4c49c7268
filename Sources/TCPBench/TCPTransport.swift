import BenchCore

/// TCP as a `Transport`: makes the server side of `tcp.*` tests. Their data connections
/// arrive on the server's one port and find their test by session cookie.
package struct TCPTransport: Transport {
    package var kinds: [String] { TCPMode.allCases.map(\.kind) }

    package init() {}

    package func makeServerTest(plan: TestPlan, session: [UInt8]) throws(BenchError) -> any ServerTest {
        guard let mode = TCPMode(kind: plan.kind) else {
            throw BenchError(.usage, subject: plan.kind, what: "not a TCP test", next: "use one of \(kinds.joined(separator: ", "))")
        }
        return TCPServerTest(plan: plan, mode: mode, session: session)
    }
}
