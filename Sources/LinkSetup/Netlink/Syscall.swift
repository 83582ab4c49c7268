import Glibc
import SystemPackage

/// Runs one system call: returns its result, retries `EINTR` itself, throws
/// any other failure as `Errno`. No caller reads `errno`.
///
/// `EBADF` and `EFAULT` can only mean a descriptor or buffer bug in ibkit.
@inline(__always)
func sys<I: FixedWidthInteger>(_ call: () -> I) throws(Errno) -> I {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Errno(rawValue: errno)
        precondition(error != .badFileDescriptor, "EBADF: a descriptor bookkeeping bug")
        precondition(error != .badAddress, "EFAULT: a buffer bookkeeping bug")
        if error != .interrupted { throw error }
    }
}

extension Errno {
    /// The symbolic name (`EINVAL`), as kernel documentation and `ip` users
    /// know it; `errno N` for the rare ones not listed.
    public var symbol: String {
        let known: [(Int32, String)] = [
            (Glibc.EPERM, "EPERM"), (Glibc.ENOENT, "ENOENT"), (Glibc.EIO, "EIO"), (Glibc.EACCES, "EACCES"), (Glibc.EBUSY, "EBUSY"),
            (Glibc.EEXIST, "EEXIST"), (Glibc.ENODEV, "ENODEV"), (Glibc.EINVAL, "EINVAL"), (Glibc.ENOSPC, "ENOSPC"), (Glibc.EROFS, "EROFS"),
            (Glibc.ERANGE, "ERANGE"), (Glibc.EAGAIN, "EAGAIN"), (Glibc.EOPNOTSUPP, "EOPNOTSUPP"), (Glibc.EADDRINUSE, "EADDRINUSE"),
            (Glibc.EADDRNOTAVAIL, "EADDRNOTAVAIL"), (Glibc.ETIMEDOUT, "ETIMEDOUT"), (Glibc.ENOBUFS, "ENOBUFS"),
            (Glibc.EPROTONOSUPPORT, "EPROTONOSUPPORT"), (Glibc.ENOTDIR, "ENOTDIR"), (Glibc.EISDIR, "EISDIR"),
            (Glibc.ENAMETOOLONG, "ENAMETOOLONG"), (Glibc.ENOTUNIQ, "ENOTUNIQ"), (Glibc.ENOPROTOOPT, "ENOPROTOOPT"),
        ]
        return known.first { $0.0 == rawValue }?.1 ?? "errno \(rawValue)"
    }
}
