import ArgumentParser
import BenchCore
import Logging
import RDMABench
import TCPBench

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve TCP and RDMA benchmarks on one port, \(ServerOptions.defaultPort) unless told otherwise.",
        discussion: """
            Every test, TCP or RDMA, is set up on a control connection to the port:
            the same token check, the same --max-clients limit (clients beyond it are
            told the server is busy) and the same deadlines. TCP data connections use
            the same port; RDMA queue pairs connect through rdma_cm on the same port
            number (rdma_cm's port space is its own), so one firewall rule is enough.
            Without an RDMA device only TCP is served, and RDMA clients are told why.
            Tests run side by side, each with its own threads and resources. Each
            test's server-side half (bytes or messages received, CPU) goes back to
            the client as subunit v2. With --token or --token-file, clients prove they
            know the secret by HMAC challenge-response; it never crosses the wire.
            --once ends the server after its first test, of either kind.

            Examples:
              ibbench serve
              ibbench serve --port 5301 --dev ib0 --max-clients 2
              ibbench serve --once --token-file /etc/ibbench/token
            """
    )

    @Option(help: "TCP port for control and data connections.")
    var port: UInt16 = ServerOptions.defaultPort

    @Option(help: "Local address to listen on (default: all).")
    var bind: String?

    @Option(help: "Bind to this network interface (SO_BINDTODEVICE), e.g. ib0.")
    var dev: String?

    @Flag(help: "Serve one test, TCP or RDMA (whichever ends first), then exit.")
    var once = false

    @Option(help: "Tests served at once; more clients get a busy answer.")
    var maxClients = 4

    @Option(help: "Shared secret clients must prove.")
    var token: String?

    @Option(help: "File whose first line is the shared secret.")
    var tokenFile: String?

    func validate() throws {
        if maxClients < 1 { throw ValidationError("--max-clients must be at least 1") }
        if token != nil && tokenFile != nil { throw ValidationError("give --token or --token-file, not both") }
    }

    func run() throws { try reportingErrors(serve) }

    private func serve() throws {
        let secret = try tokenFile.map { path throws(BenchError) in try TokenFile.read(path) } ?? token
        var logger = Logger(label: "ibbench.serve")
        logger.logLevel = .info
        let server = try BenchServer(options: ServerOptions(port: port, bind: bind, device: dev, once: once,
                                                            maxClients: maxClients, token: secret),
                                     transports: [TCPTransport(), RDMATransport(port: port, address: bind, logger: logger)],
                                     logger: logger)
        server.serve()
    }
}
