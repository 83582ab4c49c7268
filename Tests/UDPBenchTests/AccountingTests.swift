import Testing
@testable import UDPBench

/// The receiver's bookkeeping, on sequences whose right answer is known.
@Suite struct SequenceTrackerTests {
    private func track(_ sequence: [UInt64]) -> SequenceTracker {
        var t = SequenceTracker()
        for s in sequence { t.saw(s) }
        return t
    }

    @Test func inOrderLosesNothing() {
        let t = track(Array(0..<100))
        #expect(t.received == 100 && t.lost == 0 && t.outOfOrder == 0)
    }

    @Test func aGapIsLost() {
        let t = track([0, 1, 2, 6, 7])
        #expect(t.received == 5)
        #expect(t.lost == 3)
        #expect(t.outOfOrder == 0)
    }

    @Test func aLateDatagramIsOutOfOrderNotLost() {
        // 3 overtaken by 4 and 5: missing when 4 comes, found when it arrives.
        let t = track([0, 1, 2, 4, 5, 3, 6])
        #expect(t.received == 7)
        #expect(t.lost == 0)
        #expect(t.outOfOrder == 1)
    }

    @Test func aDuplicateIsOutOfOrder() {
        let t = track([0, 1, 1, 2])
        #expect(t.outOfOrder == 1)
        #expect(t.lost == 0)
    }
}

@Suite struct JitterTests {
    @Test func constantTransitHasNoJitter() {
        var j = JitterEstimator()
        // The receiver's clock is far ahead of the sender's: only changes in transit count.
        for k in 0..<50 { j.saw(sentNanos: UInt64(k) * 1000, receivedNanos: 5_000_000_000 + UInt64(k) * 1000 + 300) }
        #expect(j.jitterNanos == 0)
    }

    @Test func alternatingTransitConvergesToItsSwing() {
        var j = JitterEstimator()
        for k in 0..<2000 {
            let transit: UInt64 = k % 2 == 0 ? 10_000 : 14_000
            j.saw(sentNanos: UInt64(k) * 100_000, receivedNanos: UInt64(k) * 100_000 + transit)
        }
        // Every difference is 4 µs; the 1/16-gain mean tends to it.
        #expect(abs(j.jitterNanos - 4000) < 1)
    }
}

@Suite struct WireTests {
    @Test func probeIsRecognisedAndHeaderRoundTrips() {
        let session = [UInt8](repeating: 7, count: 16)
        let probe = UDPWire.probe(session: session, stream: 3)
        #expect(probe.count == UDPWire.probeSize)
        #expect(probe.withUnsafeBytes { UDPWire.isProbe($0.baseAddress!, count: $0.count) })
        var datagram = [UInt8](repeating: 0, count: 1470)
        datagram.withUnsafeMutableBytes { UDPWire.storeHeader($0.baseAddress!, sequence: 123_456_789, sentNanos: 42) }
        #expect(!datagram.withUnsafeBytes { UDPWire.isProbe($0.baseAddress!, count: $0.count) })
        let header = datagram.withUnsafeBytes { UDPWire.loadHeader($0.baseAddress!) }
        #expect(header.sequence == 123_456_789 && header.sentNanos == 42)
    }

    @Test(arguments: [(1, 1, 1), (64, 64, 8), (4, 100, 4), (100, 2, 2)])
    func counterFitsTheSmallerMessage(request: Int, response: Int, expected: Int) {
        #expect(UDPWire.counterBytes(request: request, response: response) == expected)
    }
}
