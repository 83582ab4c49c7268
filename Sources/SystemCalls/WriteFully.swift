#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Writes every byte of `bytes` to `fd`, however many calls the kernel takes (a pipe or
/// terminal may take part of a write), retrying EINTR. Kernel: write(2).
package func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) {
    var offset = 0
    while offset < bytes.count {
        offset += try sys { write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
    }
}

/// `writeFully` for bytes in an array.
package func writeFully(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) {
    let result: Result<Void, Errno> = bytes.withUnsafeBytes { raw in Result { () throws(Errno) in try writeFully(fd, raw) } }
    try result.get()
}
