#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Foundation
import Testing
@testable import UDPBench

/// What a reverse stream needs beyond a forward one: the server's rate in the plan, and a
/// receiver that sees the end of a stream nobody announces.
@Suite struct ReverseStreamTests {
    @Test func theRateTravelsOnlyWhenTheServerSends() {
        var options = UDPTestOptions(peer: "127.0.0.1")
        options.bitsPerSecond = 2e9
        for mode in [UDPMode.reverse, .bidir] {
            options.mode = mode
            #expect(options.plan().options[UDPTestOptions.bitrateOption] == "2000000000", "\(mode)")
        }
        options.mode = .stream
        #expect(options.plan().options[UDPTestOptions.bitrateOption] == nil)
    }

    @Test(arguments: [("nan", false), ("-5", false), ("1e20", false), ("fast", false), ("0", true), ("1000000", true)])
    func aServerChecksTheRateItIsAskedFor(value: String, accepted: Bool) {
        let plan = TestPlan(kind: UDPMode.reverse.kind, size: 1470, timeLimit: 20,
                            options: [UDPTestOptions.bitrateOption: value])
        #expect((UDPTestOptions.planProblem(plan) == nil) == accepted, "\(value)")
        #expect(UDPTestOptions.planProblem(TestPlan(kind: UDPMode.reverse.kind, size: 1470, timeLimit: 20)) == nil,
                "no rate: unpaced")
    }

    /// A pair of connected loopback UDP sockets, closed with the value.
    private final class Pair {
        let sender: CInt, receiver: CInt
        init() throws {
            receiver = socket(AF_INET, CInt(SOCK_DGRAM.rawValue), 0)
            sender = socket(AF_INET, CInt(SOCK_DGRAM.rawValue), 0)
            try #require(receiver >= 0 && sender >= 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    bind(receiver, sa, length) == 0 && getsockname(receiver, sa, &length) == 0
                        && connect(sender, sa, length) == 0
                }
            }
            try #require(bound)
        }
        deinit { close(sender); close(receiver) }
    }

    private static func send(_ count: Int, from fd: CInt, startingAt first: UInt64) {
        let buffer = makePayload(size: 200)
        defer { buffer.deallocate() }
        for s in 0..<UInt64(count) {
            UDPWire.storeHeader(buffer.baseAddress!, sequence: first + s, sentNanos: monotonicNanos())
            _ = Glibc.send(fd, buffer.baseAddress, buffer.count, 0)
        }
    }

    /// Silence before the stream's planned end is a pause, not its end; silence after it is.
    @Test func silenceEndsTheStreamOnlyAfterItsPlannedEnd() throws {
        let pair = try Pair()
        try UDPSocket.setReceiveTimeout(pair.receiver, seconds: 0.1)
        let progress = StreamProgress()
        let start = monotonicNanos()
        let plannedEnd = start + 2_000_000_000
        let fd = pair.sender
        let sender = Thread {
            Self.send(5, from: fd, startingAt: 0)
            Thread.sleep(forTimeInterval: 0.3)   // three receive timeouts, well before the planned end
            Self.send(5, from: fd, startingAt: 5)
        }
        sender.start()
        let r = receiveStream(fd: pair.receiver, size: 200, hardStop: start + 30_000_000_000, quietAfter: plannedEnd,
                              progress: progress)
        let ended = monotonicNanos()
        #expect(r.errno == 0)
        #expect(r.datagrams == 10 && r.bytes == 2000)
        #expect(r.sequence.outOfOrder == 0)
        #expect(ended >= plannedEnd, "not before the planned end")
        #expect(ended < start + 30_000_000_000, "ended by the silence, not the hard stop")
    }
}
