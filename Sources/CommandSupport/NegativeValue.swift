/// Says what is wrong with `-t -1`.
///
/// ArgumentParser takes a word that starts with `-` for an option, never for a value, so an
/// option given a negative number reads "Missing value for '-t <duration>'", as if nothing
/// had been given. None of our options takes a negative value: the right answer is that it
/// cannot be negative. On a usage error `runAsTool` asks this to rewrite the first line.
enum NegativeValue {
    /// ArgumentParser's full message (`Error: …`, help and usage lines) with its first line
    /// replaced, or nil when it is not a missing value that `arguments` gave as a negative number.
    static func rewrite(_ message: String, arguments: [String]) -> String? {
        let prefix = "Error: Missing value for '"
        guard message.hasPrefix(prefix) else { return nil }
        let firstLine = message.prefix { $0 != "\n" }
        let label = firstLine.dropFirst(prefix.count).prefix { $0 != "'" }   // "-t <duration>"
        let name = label.prefix { $0 != " " }
        guard let at = arguments.firstIndex(where: { $0 == name }), at + 1 < arguments.count else { return nil }
        let value = arguments[at + 1]
        guard value.hasPrefix("-"), value.count > 1, Double(value) != nil else { return nil }
        return "Error: The value '\(value)' is invalid for '\(label)': it cannot be negative" + message.dropFirst(firstLine.count)
    }
}
