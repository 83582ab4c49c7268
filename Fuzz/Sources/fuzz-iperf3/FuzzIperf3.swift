import PeerOutputFuzzing
import PeerTools

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIperf3(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    PeerOutputProperties.check(.iperf3, data, size)
    return 0
}
