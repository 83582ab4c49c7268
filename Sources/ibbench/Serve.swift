import ArgumentParser

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "(not built yet)"
    )

    func run() throws {
        throw NotBuiltYet(command: "ibbench serve")
    }
}
