#if canImport(Glibc)
import Glibc
#endif

/// What TCP_INFO says about a connection at the end of a run.
struct TCPStats: Sendable, Equatable {
    var retransmits: UInt32 = 0
    var rttMicros: UInt32 = 0
    var mss: UInt32 = 0

    /// Kernel: getsockopt(IPPROTO_TCP, TCP_INFO). Zeroes when unavailable.
    static func read(fd: CInt) -> TCPStats {
        var info = tcp_info()
        var len = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, CInt(IPPROTO_TCP), TCP_INFO, &info, &len) == 0 else { return TCPStats() }
        return TCPStats(retransmits: info.tcpi_total_retrans, rttMicros: info.tcpi_rtt, mss: info.tcpi_snd_mss)
    }
}
