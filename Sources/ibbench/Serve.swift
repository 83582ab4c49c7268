import ArgumentParser
import Foundation
import Logging
import RDMABench

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve ibbench runs from other hosts (RDMA runs through rdma_cm on the same port number).",
        discussion: """
            Runs until interrupted. rdma_cm's port space is separate from TCP's, so RDMA clients
            reach it on the same port number as the TCP control port.

            Examples:
              ibbench serve
              ibbench serve --port 7470 --address 10.0.0.1
            """
    )

    @Option(help: "Port to listen on.")
    var port: UInt16 = RDMAServer.defaultPort

    @Option(help: "Local IP address to listen on (default: all).")
    var address: String?

    @Flag(help: "Log every run to stderr.")
    var verbose = false

    func run() throws {
        var logger = Logger(label: "ibbench.serve")
        logger.logLevel = verbose ? .debug : .notice
        let server = RDMAServer(port: port, address: address, logger: logger)
        do {
            try server.run { FileHandle.standardError.write(Data("ibbench serve: RDMA listening on port \(port)\n".utf8)) }
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitStatus.error
        }
    }
}
