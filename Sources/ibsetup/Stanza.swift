import ArgumentParser

struct Stanza: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stanza",
        abstract: "(not built yet)"
    )

    func run() throws {
        throw NotBuiltYet(command: "ibsetup stanza")
    }
}
