#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// The one way ibkit calls the kernel for calls that return -1 and set `errno`: returns the
/// result or throws `Errno`, retries `EINTR` unless told not to, and traps on EBADF/EFAULT,
/// which can only mean a descriptor or buffer bookkeeping bug in ibkit.
///
/// `retryOnInterrupt: false` is for calls that must not simply be repeated (a `connect`
/// interrupted by a signal goes on in the background; calling it again says EALREADY).
@inline(__always)
package func sys<I: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ call: () -> I) throws(Errno) -> I {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Errno(rawValue: errno)
        precondition(error != .badFileDescriptor, "EBADF: a descriptor bookkeeping bug")
        precondition(error != .badAddress, "EFAULT: a buffer bookkeeping bug")
        if error != .interrupted || !retryOnInterrupt { throw error }
    }
}

/// For C calls that return NULL and set `errno` (`opendir`, `ibv_alloc_pd`, `rdma_create_event_channel`):
/// the pointer, or the `Errno` (ENOMEM when the library left `errno` at 0, as some verbs providers do).
@inline(__always)
package func sysPointer<T>(_ call: () -> T?) throws(Errno) -> T {
    errno = 0
    if let pointer = call() { return pointer }
    throw Errno(rawValue: errno == 0 ? ENOMEM : errno)
}

/// For C calls that return the error number itself and 0 on success (`ibv_post_send`,
/// `ibv_query_port`, `posix_spawn`, `pthread_create`); a negative result (`umad_*`) is `-errno`.
@inline(__always)
package func sysReturned(_ call: () -> Int32) throws(Errno) {
    let result = call()
    if result != 0 { throw Errno(rawValue: result < 0 ? -result : result) }
}
