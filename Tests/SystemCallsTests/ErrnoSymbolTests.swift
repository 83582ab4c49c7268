import SystemCalls
import SystemPackage
import Testing

@Suite struct ErrnoSymbolTests {
    @Test(arguments: [(Errno.connectionRefused, "ECONNREFUSED"), (.timedOut, "ETIMEDOUT"), (.noMemory, "ENOMEM"),
                      (.brokenPipe, "EPIPE"), (.ioError, "EIO"), (Errno(rawValue: 4095), "errno 4095")])
    func namesTheErrno(errno: Errno, symbol: String) {
        #expect(errno.symbol == symbol)
    }
}
