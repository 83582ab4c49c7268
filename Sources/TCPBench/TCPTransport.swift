import BenchCore
import Logging
import SystemCalls
import SystemPackage

/// TCP as a `Transport`: makes the server side of `tcp.*` tests. Their data connections
/// arrive on the server's one port and find their test by session cookie; a test with a
/// `--window` gets a port of its own (see `makeServerTest`).
package struct TCPTransport: Transport {
    /// Local address of a test's own data port (`serve --bind`); every address when nil.
    let bind: String?
    /// `serve --dev`.
    let device: String?
    let logger: Logger

    package var kinds: [String] { TCPMode.allCases.map(\.kind) }

    package init(bind: String? = nil, device: String? = nil, logger: Logger = Logger(label: "ibbench.serve")) {
        self.bind = bind
        self.device = device
        self.logger = logger
    }

    package func makeServerTest(plan: TestPlan, session: [UInt8]) throws(BenchError) -> any ServerTest {
        guard let mode = TCPMode(kind: plan.kind) else {
            throw BenchError(.usage, subject: plan.kind, what: "not a TCP test", next: "use one of \(kinds.joined(separator: ", "))")
        }
        return try TCPServerTest(plan: plan, mode: mode, session: session, dataPort: dataPort(plan: plan))
    }

    /// With `--window`, a listener of the test's own whose buffers are set before `listen`, as
    /// netperf's and iperf3's servers do. On the shared port a buffer can only be set after
    /// the handshake, which has by then agreed a window scale and clamp for the default
    /// buffer; a small `--window` then overruns its buffer and crawls (4 KiB: under
    /// 1 Mbit/s on loopback, against hundreds with the listener's buffer set).
    private func dataPort(plan: TestPlan) throws(BenchError) -> ConnectionAcceptor? {
        guard let window = SocketOptions(plan: plan.options).window else { return nil }
        do {
            let options = try PreparedSocketOptions(SocketOptions(window: window, device: device))
            let listener = try Socket.onServerAddress(bind: bind) { address throws(Errno) in
                try Socket.listen(on: address, options: options)
            }
            // A stream's connections, or the few crr transactions in flight, and some to spare
            // for strays: each one beyond waits at most its first frame's deadline.
            return try ConnectionAcceptor(listener: listener, maxHandlers: 2 * plan.streams + 16,
                                          threadName: "ibb-tcp-data", logger: logger)
        } catch {
            throw BenchError(.local, subject: "TCP data port", what: "cannot listen", errnoName: error.symbol,
                             next: "check serve --bind, --dev and the descriptor limit")
        }
    }
}
