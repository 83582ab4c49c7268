import ArgumentParser
import BenchCore

/// `--token`/`--token-file`: the shared secret a server asks for and its clients prove.
struct TokenOptions: ParsableArguments {
    @Option(help: "Shared secret of ibbench serve; clients prove they know it (HMAC), it never crosses the wire.")
    var token: String?

    @Option(help: "File whose first line is the shared secret.")
    var tokenFile: String?

    func validate() throws {
        if token != nil && tokenFile != nil { throw ValidationError("give --token or --token-file, not both") }
        // An empty secret would be a check anyone passes, as an empty token file would be.
        if token?.isEmpty == true { throw ValidationError("--token: the secret is empty; give one, or leave --token out") }
    }

    /// The secret, read from the file when one is named; nil without either option.
    func secret() throws(BenchError) -> String? {
        try tokenFile.map { path throws(BenchError) in try TokenFile.read(path) } ?? token
    }
}
