import ArgumentParser
import CommandSupport

@main
struct IBSetup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ibsetup",
        abstract: "Find InfiniBand HCAs, check the subnet manager, and bring IPoIB links up in connected mode.",
        discussion: """
            Examples:
              ibsetup status
              ibsetup sm --wait 30
              ibsetup up ib1 --address 10.0.0.1/24 --dry-run
              ibsetup stanza ib1 --address 10.0.0.1/24
            """,
        version: "0.1.0",
        subcommands: [Status.self, SM.self, Up.self, Down.self, Stanza.self, Counters.self]
    )

    static func main() {
        runAsTool(Array(CommandLine.arguments.dropFirst()))
    }
}
