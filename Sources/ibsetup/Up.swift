import ArgumentParser

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "(not built yet)"
    )

    func run() throws {
        throw NotBuiltYet(command: "ibsetup up")
    }
}
