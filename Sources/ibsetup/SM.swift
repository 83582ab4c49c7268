import ArgumentParser

struct SM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sm",
        abstract: "(not built yet)"
    )

    func run() throws {
        throw NotBuiltYet(command: "ibsetup sm")
    }
}
