import PeerOutputFuzzing
import PeerTools

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetperf(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    PeerOutputProperties.check(.netperf, data, size)
    return 0
}
