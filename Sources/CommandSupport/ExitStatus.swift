/// The exit statuses of ibsetup and ibbench, one table (copied into the README):
/// 0 passed or done; 1 the check said no (a threshold missed, a test failed, no
/// subnet manager); 2 error (bad input, lost peer, device missing; partial results
/// written); 64 usage.
public enum ExitStatus: Int32, Sendable {
    case passed = 0
    case failed = 1
    case error = 2
    case usage = 64
}
