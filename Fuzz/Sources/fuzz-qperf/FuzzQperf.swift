import PeerOutputFuzzing
import PeerTools

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQperf(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    PeerOutputProperties.check(.qperf, data, size)
    return 0
}
