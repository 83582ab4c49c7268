import FuzzSupport
import Subunit

/// The subunit v2 decoder on any bytes, as `ibbench report` meets a stream: fed in pieces,
/// decoded with both APIs, and once more with every checksum made right, because random
/// bytes almost never carry a valid CRC-32 and the field parser behind it would go unreached.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSubunit(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput.bytes(data, size)
    // The last bit picks the mode, so both modes see every kind of input.
    let strict = input.last.map { $0 & 1 == 1 } ?? false
    SubunitProperties.check(input, strict: strict)
    var repaired = input
    if ChecksumRepair.repair(&repaired) { SubunitProperties.check(repaired, strict: strict) }
    return 0
}
