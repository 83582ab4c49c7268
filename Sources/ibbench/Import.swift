import ArgumentParser

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "(not built yet)"
    )

    func run() throws {
        throw NotBuiltYet(command: "ibbench import")
    }
}
