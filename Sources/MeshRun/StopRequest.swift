#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Set by SIGINT or SIGTERM: the run stops scheduling, writes what it has, and ends
/// with status 2. Every wait of the mesh is sliced short enough to notice it soon.
public enum StopRequest {
    private static let requested = Atomic<Bool>(false)

    public static var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Makes SIGINT and SIGTERM set the flag instead of killing the process. Call it before
    /// starting any thread: threads inherit the signal mask.
    public static func installHandlers() {
        // An atomic store is async-signal-safe; nothing else happens in the handler.
        for sig in [SIGINT, SIGTERM] { signal(sig) { _ in StopRequest.requested.store(true, ordering: .relaxed) } }
        // A parent may start us with them blocked (some process launchers do); then a
        // signal would stay pending for ever and the run could not be stopped.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
