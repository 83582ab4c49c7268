import ArgumentParser

struct Down: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "(not built yet)"
    )

    func run() throws {
        throw NotBuiltYet(command: "ibsetup down")
    }
}
