import BenchCore
import FuzzSupport

/// The control-protocol frame decoder on any bytes, as `ibbench serve` meets a client:
/// fed in pieces, every event taken, every decoded message checked to encode back to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControl(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput.bytes(data, size)
    let (a, b) = FuzzInput.feedPatterns(for: input)
    let first = ControlProperties.decode(input, fed: a)
    let second = ControlProperties.decode(input, fed: b)
    require(second.map(ControlProperties.comparable) == first.map(ControlProperties.comparable),
            "\(a) and \(b) decode differently: \(first) and \(second)")
    for case .message(let m) in first { ControlProperties.checkRoundTrip(m) }
    return 0
}

/// libFuzzer calls this once before reading any corpus: with IBKIT_FUZZ_SEEDS set, it writes
/// the sample frames there first, so the seeds always follow the encoder.
@_cdecl("LLVMFuzzerInitialize")
public func initializeControl(_ argc: UnsafeMutablePointer<CInt>,
                              _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> CInt {
    ControlSeeds.writeIfAsked()
    return 0
}
