import ArgumentParser
import Foundation

/// Finds a word that looks like an option but that no command on its path declares.
///
/// ArgumentParser decodes and validates a command before it looks at the words left
/// over, so `ibbench tcp --bogus` would be answered with "give the PEER" (or "missing
/// argument") rather than with the typo. On a usage error `runAsTool` asks this first.
/// The options each command declares come from ArgumentParser's own description of
/// the command (`_dumpHelp()`, what `--experimental-dump-help` prints).
enum UnknownOption {
    struct Found {
        let word: String
        let command: ParsableCommand.Type
    }

    /// Options every command has: help, version, the dump and completion flags.
    private static let builtIn: Set<String> = [
        "-h", "--help", "-help", "--version", "--experimental-dump-help", "--generate-completion-script",
    ]

    static func first(in arguments: [String], root: ParsableCommand.Type) -> Found? {
        var command = root
        var known = Declared(command)
        var takesValue = false
        for word in arguments {
            if word == "--" { return nil }
            if takesValue { takesValue = false; continue }
            if let sub = command.configuration.subcommands.first(where: { $0._commandName == word }) {
                command = sub
                known.add(Declared(sub))
                continue
            }
            guard word.hasPrefix("-"), word != "-", Double(word) == nil else { continue }
            let name = word.hasPrefix("--") ? String(word.prefix { $0 != "=" }) : word
            if builtIn.contains(name) { continue }
            if let valued = known.names[name] {
                takesValue = valued && !word.contains("=")
                continue
            }
            // `-abc`: short flags given together.
            let shorts = word.dropFirst().map { "-\($0)" }
            if !word.hasPrefix("--"), shorts.allSatisfy({ known.names[$0] != nil }) {
                takesValue = known.names[shorts.last!] == true
                continue
            }
            return Found(word: name, command: command)
        }
        return nil
    }

    /// The option names of a command, each with whether it takes a value.
    private struct Declared {
        var names: [String: Bool] = [:]

        init(_ command: ParsableCommand.Type) {
            let json = Data(command._dumpHelp().utf8)
            guard let top = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
                  let info = top["command"] as? [String: Any],
                  let arguments = info["arguments"] as? [[String: Any]] else { return }
            for argument in arguments {
                let valued = argument["kind"] as? String == "option"
                for name in argument["names"] as? [[String: String]] ?? [] {
                    guard let kind = name["kind"], let text = name["name"] else { continue }
                    names[(kind == "long" ? "--" : "-") + text] = valued
                }
            }
        }

        mutating func add(_ other: Declared) { names.merge(other.names) { a, _ in a } }
    }
}

extension ParsableCommand {
    /// The name the command is called by, as ArgumentParser derives it.
    fileprivate static var _commandName: String {
        configuration.commandName ?? String(describing: self).lowercased()
    }
}
