import ArgumentParser
import BenchCore
import CommandSupport
import Foundation
import Logging
import RDMABench
import TCPBench

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve TCP benchmarks (and any other registered transport) on one port, \(ServerOptions.defaultPort) unless told otherwise.",
        discussion: """
            Control and data connections share the port, so one firewall rule is enough.
            RDMA runs (`ibbench rdma`) are served through rdma_cm on the same port
            number (rdma_cm's port space is its own); without an RDMA device only TCP is
            served. Each test's server-side half (bytes received, CPU) goes back to the
            client as subunit v2. Clients beyond --max-clients are told the server is
            busy. With --token or --token-file, clients must prove they know the secret,
            on both transports (TCP: HMAC challenge-response; RDMA: HMAC-signed connect
            requests, good once and within 5 minutes of this host's clock; the secret
            never crosses the wire).

            Examples:
              ibbench serve
              ibbench serve --port 5301 --dev ib0 --max-clients 2
              ibbench serve --once --token-file /etc/ibbench/token

            --once applies to both transports: the first test to end, TCP or RDMA, ends
            the server (an RDMA run ends it whether it completed or broke).
            """
    )

    @OptionGroup var server: ServerPortOption

    @OptionGroup var interface: InterfaceOptions

    @Flag(help: "Serve one test, TCP or RDMA (whichever ends first), then exit.")
    var once = false

    @Option(help: "Tests served at once; more clients get a busy answer.", transform: RangedValue.integer(1...1024))
    var maxClients = 4

    @OptionGroup var secret: TokenOptions

    // The names `serve()` reads, from the shared groups.
    private var port: UInt16 { server.port }
    private var bind: String? { interface.bind }
    private var dev: String? { interface.dev }
    private var token: String? { secret.token }
    private var tokenFile: String? { secret.tokenFile }

    func run() throws { try Outcome.of { try serve(); return .passed }.end() }

    private func serve() throws {
        let secret = try tokenFile.map { path throws(BenchError) in try TokenFile.read(path) } ?? token
        var logger = Logger(label: "ibbench.serve")
        logger.logLevel = .info
        let server = try BenchServer(options: ServerOptions(port: port, bind: bind, device: dev, once: once,
                                                            maxClients: maxClients, token: secret),
                                     logger: logger)
        let rdma = startRDMA(ending: server, token: secret, logger: logger)
        server.serve()
        rdma.stop()
    }

    /// The RDMA server on its own thread; no RDMA device (or no rdma_cm) is a notice, not an error.
    /// With --once, the end of its one run stops the TCP server too.
    private func startRDMA(ending server: BenchServer, token: String?, logger: Logger) -> RDMAServer {
        let rdma = RDMAServer(port: port, address: bind, once: once, token: token, logger: logger)
        let once = once
        Thread.detachNewThread {
            do {
                try rdma.run()
                if once { server.stop() }
            } catch {
                logger.notice("rdma: not serving RDMA: \(error)")
            }
        }
        return rdma
    }
}
