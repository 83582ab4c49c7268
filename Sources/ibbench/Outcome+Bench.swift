import BenchCore
import CommandSupport

extension Outcome {
    /// A benchmark's verdict as the command's outcome: passed 0, threshold missed 1, error 2.
    init(_ verdict: RunVerdict) {
        switch verdict {
        case .passed: self = .passed
        case .thresholdMissed: self = .failed
        case .error(let message): self = .error(message)
        }
    }

    /// The outcome of a library call; the one-line error it throws is an error outcome.
    static func of(_ body: () throws -> Outcome) -> Outcome {
        do { return try body() } catch let outcome as Outcome { return outcome } catch {
            return .error(String(describing: error))
        }
    }
}
