import Testing
import Subunit

@Suite struct ProtocolDetectorTests {
    @Test func v2StartsWithItsSignature() {
        #expect(ProtocolDetector.detect([0xB3, 0x20], complete: false) == .v2)
        #expect(ProtocolDetector.detect(Array("build log\n".utf8) + [0xB3], complete: false) == .v2)
    }

    @Test func v1StartsWithADirectiveLine() {
        #expect(ProtocolDetector.detect(Array("test: a\n".utf8), complete: false) == .v1)
        #expect(ProtocolDetector.detect(Array("make: ok\ntime: 2024-01-02 03:04:05Z\n".utf8), complete: false) == .v1)
        #expect(ProtocolDetector.detect(Array("tags: a".utf8), complete: true) == .v1)
        // A UTF-8 character whose second byte is 0xB3 ("ó") is text, not a packet.
        #expect(ProtocolDetector.detect(Array("testing: café ó\n".utf8), complete: false) == .v1)
    }

    @Test func bareTestLineNeedsItsOutcome() {
        #expect(ProtocolDetector.detect(Array("test a\n".utf8), complete: false) == nil)
        #expect(ProtocolDetector.detect(Array("test a\nout\nsuccess a\n".utf8), complete: false) == .v1)
        #expect(ProtocolDetector.detect(Array("test a\nfailure: a [\n".utf8), complete: false) == .v1)
        #expect(ProtocolDetector.detect(Array("test a\n".utf8), complete: true) == .v1)
        #expect(ProtocolDetector.detect(Array("testing the link\n".utf8) + [0xB3], complete: false) == .v2)
    }

    @Test func logLinesAreNoEvidence() {
        #expect(ProtocolDetector.detect(Array("error: cannot\nsuccess: x\ntest: ".utf8), complete: false) == nil)
        #expect(ProtocolDetector.detect(Array("error: cannot\n".utf8), complete: true) == .v2)
        #expect(ProtocolDetector.detect([UInt8](repeating: 0x61, count: ProtocolDetector.peekLimit), complete: false) == .v2)
        #expect(ProtocolDetector.detect([], complete: true) == .v2)
    }
}
