import Logging

/// `--loopback`: a benchmark server on 127.0.0.1, on a port of the kernel's choosing, serving
/// in a thread of this process for as long as the value lives.
package final class LoopbackServer {
    /// The address it listens on; a transport's own data sockets bind there too.
    package static let address = "127.0.0.1"
    package let port: UInt16
    private let server: BenchServer
    private var thread: BenchThread<Void>?

    package init(transport: any Transport, token: String?, logger: Logger) throws(BenchError) {
        var quiet = logger
        quiet.logLevel = .warning   // the in-process server's chatter is not the user's business
        server = try BenchServer(options: ServerOptions(port: 0, bind: Self.address, maxClients: 1, token: token),
                                 transports: [transport], logger: quiet)
        port = server.port
        let s = server
        do { thread = try BenchThread(name: "ibb-server") { s.serve() } } catch {
            throw BenchError(.local, subject: "loopback server", what: "cannot start its thread", next: "check the thread limit")
        }
    }

    deinit {
        server.stop()
        thread?.join()
    }
}
