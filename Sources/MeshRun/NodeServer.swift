import BenchCore
import Logging
import RDMABench
import TCPBench

/// Every rank's benchmark server: the one `ibbench serve` runs, TCP and RDMA side by
/// side, serving the other ranks' tests against this node while this node's own client
/// tests run. Several tests at once: in a round a node is a server for its partner's
/// direction and, during retests, for more than one partner in turn.
final class NodeServer: Sendable {
    private let server: BenchServer
    private let thread: BenchThread<Void>

    init(port: UInt16, bind: String?, device: String?, token: String?, logger: Logger) throws(BenchError) {
        var quiet = logger
        quiet.logLevel = .warning   // one line per test accepted would drown the mesh's own output
        let options = ServerOptions(port: port, bind: bind, device: device, maxClients: 16, token: token)
        let rdma = RDMATransport(port: port, address: bind, logger: quiet)
        let server = try BenchServer(options: options, transports: [TCPTransport(bind: bind, device: device, logger: quiet), rdma], logger: quiet)
        self.server = server
        do { thread = try BenchThread(name: "ibb-mesh-srv") { server.serve() } } catch {
            throw BenchError(.local, subject: "mesh server", what: "cannot start its thread", next: "check the thread limit")
        }
    }

    /// Stops serving; returns within the server's own bounded shutdown.
    func stop() {
        server.stop()
        thread.join()
    }
}
