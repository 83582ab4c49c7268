import ArgumentParser
import Foundation

extension ParsableCommand {
    /// The `main()` of ibsetup and ibbench: parses `arguments` (the command line
    /// without the program name), runs the subcommand and exits with the status of
    /// its `Outcome`. ArgumentParser's own errors keep their statuses (usage 64,
    /// help and version 0), except that an error it does not know (status 1) is an
    /// error here (2): 1 means "the check said no". A usage error names an unknown
    /// option first when there is one (see `UnknownOption`), and says that a value cannot
    /// be negative where ArgumentParser saw none (see `NegativeValue`).
    public static func runAsTool(_ arguments: [String]) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            exit(withError: nil)
        } catch let outcome as Outcome {
            if let message = outcome.message { StandardError.error(message) }
            exit(withError: ExitCode(outcome.status.rawValue))
        } catch let code as ExitCode {
            exit(withError: code)
        } catch {
            if exitCode(for: error) == .validationFailure, let unknown = UnknownOption.first(in: arguments, root: self) {
                StandardError.error("Unknown option '\(unknown.word)'")
                StandardError.line("Usage: " + usageString(for: unknown.command).trimmingCharacters(in: .whitespaces))
                exit(withError: ExitCode(ExitStatus.usage.rawValue))
            }
            if exitCode(for: error) == .validationFailure,
               let text = NegativeValue.rewrite(fullMessage(for: error), arguments: arguments) {
                StandardError.write(text.hasSuffix("\n") ? text : text + "\n")
                exit(withError: ExitCode(ExitStatus.usage.rawValue))
            }
            if exitCode(for: error) == .failure {
                StandardError.error(message(for: error))
                exit(withError: ExitCode(ExitStatus.error.rawValue))
            }
            exit(withError: error)
        }
    }
}
