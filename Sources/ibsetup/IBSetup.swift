import ArgumentParser
import Foundation

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
        subcommands: [Status.self, SM.self, Up.self, Down.self, Stanza.self]
    )

    /// ArgumentParser exits 1 for an error it does not know, but 1 means "the
    /// check said no" here: any such error is an error (2), said in one line.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let status as ExitCode {
            exit(withError: status)
        } catch {
            if exitCode(for: error) == .failure {
                FileHandle.standardError.write(Data("Error: \(message(for: error))\n".utf8))
                exit(withError: ExitStatus.error)
            }
            exit(withError: error)
        }
    }
}
