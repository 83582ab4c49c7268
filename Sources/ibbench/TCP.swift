import ArgumentParser

struct TCP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp",
        abstract: "(not built yet)"
    )

    func run() throws {
        throw NotBuiltYet(command: "ibbench tcp")
    }
}
