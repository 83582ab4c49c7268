#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// The one way TCPBench calls the kernel: returns the result or throws `Errno`, retries EINTR,
/// and traps on EBADF/EFAULT, which can only mean a descriptor or buffer bookkeeping bug.
@inline(__always)
package func sys<I: FixedWidthInteger>(_ call: () -> I) throws(Errno) -> I {
    while true {
        let r = call()
        if r != -1 { return r }
        let e = Errno(rawValue: errno)
        precondition(e != .badFileDescriptor && e != .badAddress, "\(e): a descriptor or buffer bookkeeping bug")
        if e != .interrupted { throw e }
    }
}
