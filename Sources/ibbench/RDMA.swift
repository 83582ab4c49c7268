import ArgumentParser

struct RDMA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rdma",
        abstract: "(not built yet)"
    )

    func run() throws {
        throw NotBuiltYet(command: "ibbench rdma")
    }
}
