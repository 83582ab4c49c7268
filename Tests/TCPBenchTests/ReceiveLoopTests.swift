#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Testing
@testable import TCPBench

/// The stream receiver asks the kernel to wake it only for a whole buffer, and still gets
/// every byte of a stream whose end is not a whole buffer.
@Suite(.timeLimit(.minutes(1))) struct ReceiveLoopTests {
    @Test func receiveBufferIsAWriteButAtLeastOneMebibyte() {
        #expect(receiveBufferSize(16 * 1024) == 1 << 20)
        #expect(receiveBufferSize(TCPTestOptions.defaultSize) == 1 << 20)
        #expect(receiveBufferSize(4 << 20) == 4 << 20)
    }

    @Test func theLowWaterMarkIsTheBufferAndTheTailStillArrives() throws {
        let (fd, peer) = try tcpLoopbackConnection()
        defer { close(fd) }
        let bufferSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        let progress = StreamProgress()
        let thread = try BenchThread(name: "loop-receive") {
            receiveLoop(fd: fd, buffer: buffer, limits: LoopLimits(), progress: progress)
        }
        // 2.5 buffers: the last half buffer comes with the sender's end, below the mark.
        let payload = [UInt8](repeating: 0x5a, count: bufferSize * 5 / 2)
        var sent = 0
        while sent < payload.count {
            let n = payload.withUnsafeBytes { send(peer, $0.baseAddress! + sent, $0.count - sent, CInt(MSG_NOSIGNAL)) }
            try #require(n > 0)
            sent += n
        }
        // The loop sets its mark after its first recv; wait (bounded) for that recv.
        for _ in 0..<1000 where progress.bytes.load(ordering: .relaxed) == 0 { usleep(10_000) }
        var mark: CInt = 0
        var len = socklen_t(MemoryLayout<CInt>.size)
        #expect(getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &mark, &len) == 0)
        #expect(mark == CInt(bufferSize))
        shutdown(peer, CInt(SHUT_WR))
        let result = thread.join()
        close(peer)
        #expect(result.errno == 0)
        #expect(result.bytes == UInt64(payload.count))
    }

    /// The window starts at the first byte, not when the first buffer has filled: a stream of
    /// a few large buffers would otherwise count a buffer whose time it left out.
    @Test func theMeasurementStartsAtTheFirstByte() throws {
        let (fd, peer) = try tcpLoopbackConnection()
        defer { close(fd) }
        let bufferSize = 4 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        let progress = StreamProgress()
        let thread = try BenchThread(name: "loop-receive") {
            receiveLoop(fd: fd, buffer: buffer, limits: LoopLimits(), progress: progress)
        }
        func sendAll(_ payload: [UInt8]) throws {
            var sent = 0
            while sent < payload.count {
                let n = payload.withUnsafeBytes { send(peer, $0.baseAddress! + sent, $0.count - sent, CInt(MSG_NOSIGNAL)) }
                try #require(n > 0)
                sent += n
            }
        }
        // A first piece far smaller than the buffer; the rest only once the receiver has it
        // (a receiver that waited for a whole buffer would not have it: the wait is bounded).
        try sendAll([UInt8](repeating: 1, count: 64 << 10))
        for _ in 0..<200 where progress.bytes.load(ordering: .relaxed) == 0 { usleep(10_000) }
        let restStarted = monotonicNanos()
        try sendAll([UInt8](repeating: 2, count: bufferSize))
        shutdown(peer, CInt(SHUT_WR))
        let result = thread.join()
        close(peer)
        #expect(result.errno == 0)
        #expect(result.bytes == UInt64((64 << 10) + bufferSize))
        #expect(result.startNanos < restStarted, "the window holds the first piece's arrival")
        #expect(result.endNanos > restStarted)
    }
}
