import PeerOutputFuzzing
import PeerTools

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPerftest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    PeerOutputProperties.check(.perftest, data, size)
    return 0
}
