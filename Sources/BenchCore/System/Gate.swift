#if canImport(Glibc)
import Glibc
#endif

/// A mutex-protected value that threads wait on with a deadline (pthread mutex + condition
/// variable on CLOCK_MONOTONIC). Control plane only: data loops never touch it.
public final class Gate<Value>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    /// Changes the value and wakes every waiter.
    @discardableResult
    public func update<R>(_ body: (inout Value) -> R) -> R {
        pthread_mutex_lock(&mutex)
        let r = body(&value)
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
        return r
    }

    public func read<R>(_ body: (Value) -> R) -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body(value)
    }

    /// Waits until `condition` holds (true) or the deadline passes (false).
    public func wait(until deadline: Deadline, for condition: (Value) -> Bool) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        var ts = timespec(tv_sec: Int(deadline.nanos / 1_000_000_000), tv_nsec: Int(deadline.nanos % 1_000_000_000))
        while !condition(value) {
            if pthread_cond_timedwait(&cond, &mutex, &ts) == ETIMEDOUT { return condition(value) }
        }
        return true
    }
}

extension BenchThread where Result == Void {
    /// Starts `body` on a thread nobody joins (a server's per-connection handler).
    public static func detached(name: String, stackBytes: Int = 256 * 1024,
                                _ body: @escaping () -> Void) throws(ThreadError) {
        let t = try BenchThread(name: name, stackBytes: stackBytes, body)
        t.detach()
    }
}
