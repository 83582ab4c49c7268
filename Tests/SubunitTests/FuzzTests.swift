import Testing
import Subunit

/// SplitMix64: small, seeded, the same on every machine.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Bounded random-input testing of the decoder: mutations of the vectors and
/// random bytes, fed in random pieces. Every byte must be accounted for, each
/// event must consume input, and the buffer must stay within one packet.
@Suite struct FuzzTests {
    static let seeds: [UInt64] = [1, 2, 3, 4]

    static let corpus: [[UInt8]] = Vectors.names
        .filter { $0 != "max_packet_size" && $0 != "large_file_100k" }
        .map { try! Vectors.bytes($0) }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = input
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !b.isEmpty:  // flip a bit
                let i = Int.random(in: 0..<b.count, using: &rng)
                b[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !b.isEmpty:  // truncate
                b.removeLast(Int.random(in: 0..<b.count, using: &rng))
            case 2:  // insert a stray signature or a UTF-8 lead byte
                b.insert([0xB3, 0xC3, 0xE2, 0xF0, 0x0A].randomElement(using: &rng)!,
                         at: Int.random(in: 0...b.count, using: &rng))
            case 3 where !b.isEmpty:  // overwrite a byte with anything
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 4:  // splice two vectors
                b += corpus.randomElement(using: &rng)!
            default:  // random bytes
                b += (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
        }
        return b
    }

    @Test(arguments: seeds)
    func mutatedVectorsNeverBreakTheDecoder(seed: UInt64) {
        var rng = SplitMix64(state: seed)
        for _ in 0..<400 {
            let input = Self.mutate(Self.corpus.randomElement(using: &rng)!, &rng)
            let chunk = [1, 2, 7, 64, 4096].randomElement(using: &rng)!
            let strict = Bool.random(using: &rng)
            let a = account(input, chunk: chunk, strict: strict)
            #expect(a.total == input.count, "bytes lost or invented (seed \(seed))")
        }
    }

    @Test(arguments: seeds)
    func randomBytesNeverBreakTheDecoder(seed: UInt64) {
        var rng = SplitMix64(state: seed &* 7919)
        for _ in 0..<200 {
            // Biased towards the signature and small lengths so packets get parsed.
            let input = (0..<Int.random(in: 0..<512, using: &rng)).map { _ -> UInt8 in
                Int.random(in: 0..<8, using: &rng) == 0 ? 0xB3 : UInt8.random(in: 0...255, using: &rng)
            }
            let a = account(input, chunk: [1, 13, 4096].randomElement(using: &rng)!)
            #expect(a.total == input.count)
        }
    }

    /// A flipped bit anywhere after a packet's length field costs that packet
    /// only: the packets after it all come through.
    @Test func recoversAfterDamage() throws {
        var rng = SplitMix64(state: 99)
        let encoder = PacketEncoder()
        let packets = (0..<20).map { i in
            Packet(testID: "pkg.test_\(i)", status: .success, tags: ["t\(i % 3)"],
                   file: FileChunk(name: "log", content: Array(repeating: UInt8(i), count: i * 11)), eof: true,
                   timestamp: Timestamp(seconds: UInt32(1_700_000_000 + i)))
        }
        var bytes: [UInt8] = []
        var starts: [Int] = []
        for p in packets {
            starts.append(bytes.count)
            try encoder.encode(p, into: &bytes)
        }
        starts.append(bytes.count)
        for _ in 0..<300 {
            let k = Int.random(in: 0..<packets.count, using: &rng)
            let lengthWidth = starts[k + 1] - starts[k] < 64 ? 1 : 2
            let at = Int.random(in: (starts[k] + 3 + lengthWidth)..<starts[k + 1], using: &rng)
            var damaged = bytes
            damaged[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            let events = decodeEvents(damaged, chunk: Int.random(in: 1...300, using: &rng))
            let good = events.compactMap { if case .packet(let p) = $0 { p } else { nil } }
            var expected = packets
            expected.remove(at: k)
            #expect(good == expected, "bit flipped at \(at) in packet \(k)")
            #expect(events.count == packets.count, "one corruption event in place of the packet")
        }
    }
}
