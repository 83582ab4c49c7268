/// The status a packet reports for its test (subunit v2, flag bits 0x0007).
///
/// A packet with `.undefined` carries no status (attachments, clock updates).
/// `.exists` and every status from `.success` on close a test in the tools that
/// read subunit (testtools' `_StreamToTestRecord`); `.inProgress` marks its start.
public enum TestStatus: UInt8, Sendable, Hashable, CaseIterable {
    case undefined = 0
    case exists = 1
    case inProgress = 2
    case success = 3
    case unexpectedSuccess = 4
    case skip = 5
    case fail = 6
    case expectedFailure = 7

    /// The name python-subunit and stestr use (`inprogress`, `uxsuccess`, `xfail`, …);
    /// nil for `.undefined`, which python calls `None`.
    public var wireName: String? {
        switch self {
        case .undefined: nil
        case .exists: "exists"
        case .inProgress: "inprogress"
        case .success: "success"
        case .unexpectedSuccess: "uxsuccess"
        case .skip: "skip"
        case .fail: "fail"
        case .expectedFailure: "xfail"
        }
    }

    /// Parses a python-subunit name (`"xfail"`); nil for anything else.
    public init?(wireName: String) {
        guard let s = TestStatus.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = s
    }

    /// True for the statuses that end a test (everything but undefined, exists, inprogress).
    public var isFinal: Bool { rawValue >= TestStatus.success.rawValue }

    /// True when the tools count this outcome as a failure: `fail` and `uxsuccess`
    /// (stestr and subunit2junitxml both fail an unexpected success).
    public var isFailure: Bool { self == .fail || self == .unexpectedSuccess }
}
