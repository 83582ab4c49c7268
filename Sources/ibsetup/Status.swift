import ArgumentParser

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "(not built yet)"
    )

    func run() throws {
        throw NotBuiltYet(command: "ibsetup status")
    }
}
