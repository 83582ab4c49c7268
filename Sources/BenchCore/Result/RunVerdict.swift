/// How a benchmark run ended, for the exit status: the same for TCP and RDMA runs.
public enum RunVerdict: Sendable, Equatable {
    /// Every test succeeded.
    case passed
    /// A result missed a threshold (`--expect-*`); the results say which.
    case thresholdMissed
    /// A test broke (peer lost, refused, busy, no device); partial results were reported.
    case error(String)

    /// The worse of two verdicts: an error outranks a missed threshold, which outranks a pass;
    /// between two errors the first one stands.
    public func worse(_ other: RunVerdict) -> RunVerdict {
        switch (self, other) {
        case (.error, _): self
        case (_, .error): other
        case (.thresholdMissed, _): self
        default: other
        }
    }
}
