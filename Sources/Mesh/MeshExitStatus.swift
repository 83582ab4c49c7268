/// The exit status of `ibbench mesh`, so that a burn-in script or a Slurm prolog can
/// act on a run without reading its output.
public enum MeshExitStatus: Int32, Sendable, Codable, CaseIterable {
    /// Every scheduled link ran and none was flagged.
    case healthy = 0
    /// Every scheduled link ran and some were flagged.
    case outliers = 1
    /// The run could not test everything: a node was unreachable or never joined, or
    /// the deadline passed. Outliers may have been found too; what ran is reported.
    case incomplete = 2

    /// The status of a run. Incomplete wins over outliers: a verdict on part of the
    /// fabric must not read as a verdict on all of it.
    public static func of(
        assessment: MeshAssessment, unreachable: [String] = [], deadlinePassed: Bool = false
    ) -> MeshExitStatus {
        if !assessment.missing.isEmpty || !unreachable.isEmpty || deadlinePassed { return .incomplete }
        return assessment.flagged.isEmpty ? .healthy : .outliers
    }

    public var name: String {
        switch self {
        case .healthy: "healthy"
        case .outliers: "outliers"
        case .incomplete: "incomplete"
        }
    }
}
