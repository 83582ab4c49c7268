import ArgumentParser

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "(not built yet)"
    )

    func run() throws {
        throw NotBuiltYet(command: "ibbench compare")
    }
}
