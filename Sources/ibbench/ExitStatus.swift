import ArgumentParser

/// ibbench's exit statuses, one table (copied into the README):
/// 0 done; 1 a test failed or a threshold was missed; 2 error (bad input,
/// lost peer, device missing; partial results written); 64 usage.
enum ExitStatus {
    static let done = ExitCode(0)
    static let testFailed = ExitCode(1)
    static let error = ExitCode(2)
    static let usage = ExitCode(64)
}

/// A subcommand whose engine has not landed yet: it says so and fails.
struct NotBuiltYet: Error, CustomStringConvertible {
    let command: String
    var description: String { "\(command): not built yet in this version of ibkit" }
}
