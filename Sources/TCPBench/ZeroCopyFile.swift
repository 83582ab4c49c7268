#if canImport(Glibc)
import Glibc
#endif

/// An unlinked page-cache file holding `size` bytes of payload, for `--zerocopy`: sendfile(2)
/// from it passes page references to the socket instead of copying the buffer. /tmp first, as
/// `iperf3 -Z` does: splicing from a disk filesystem's page cache cost about a fifth less sender
/// CPU per byte than from tmpfs (/dev/shm, the fallback) on Linux 6.18. The pages stay cached
/// (the file is small and written once), so no disk I/O happens while sending. nil when no
/// file can be made. The caller closes the descriptor.
func makeZeroCopyFile(size: Int) -> CInt? {
    let oTmpfile: CInt = 0o20_200_000   // O_TMPFILE (GNU; not imported), includes O_DIRECTORY
    for dir in ["/tmp", "/dev/shm"] {
        let fd = open(dir, oTmpfile | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { continue }
        var chunk = [UInt8](repeating: 0, count: min(size, 1 << 20))
        for i in chunk.indices { chunk[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        var written = 0
        while written < size {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, min($0.count, size - written)) }
            if n <= 0 { break }
            written += n
        }
        if written == size { return fd }
        close(fd)
    }
    return nil
}

/// The receiver's buffer, and its SO_RCVLOWAT: one write's worth, but at least 1 MiB, so that
/// small `--size` writes measure the sender rather than a receiver woken and making a syscall
/// for every write. Measured on loopback (2 vCPUs, client and server on their own CPU), against
/// reading one write's worth: 16 KiB writes 16 → 28–34 Gbit/s, 256 KiB 27 → 37.
func receiveBufferSize(_ size: Int) -> Int { max(size, 1 << 20) }
