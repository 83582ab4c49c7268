#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Logging
import Testing
@testable import TCPBench

/// A server on 127.0.0.1 (ephemeral port) running on its own thread for one test.
final class TestServer {
    let server: BenchServer
    private let thread: BenchThread<Void>

    init(maxClients: Int = 4, token: String? = nil) throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        server = try BenchServer(options: ServerOptions(port: 0, bind: "127.0.0.1", maxClients: maxClients, token: token),
                                 transports: [TCPTransport(bind: "127.0.0.1", logger: logger)], logger: logger)
        let s = server
        thread = try BenchThread(name: "test-server") { s.serve() }
    }

    var port: UInt16 { server.port }

    func stop() {
        server.stop()
        thread.join()
    }

    func options(_ mode: TCPMode, duration: Double = 0.5) -> TCPTestOptions {
        var o = TCPTestOptions(peer: "127.0.0.1")
        o.port = port
        o.mode = mode
        o.duration = duration
        return o
    }
}

/// Runs `request` with a memory reporter; returns the verdict and every finished result.
func runCollecting(_ request: TCPRunRequest) throws -> (RunVerdict, [BenchResult], String) {
    let out = ReportOutput.memory()
    let verdict = try TCPBenchmark.run(request, reporter: JSONLinesReporter(output: out))
    let decoder = JSONDecoderShim()
    let results = out.text.split(separator: "\n").compactMap { decoder.result(String($0)) }
    return (verdict, results, out.text)
}

/// A raw TCP connection to the server, for speaking (or not speaking) the protocol by hand.
struct RawClient: ~Copyable {
    let fd: CInt

    init(port: UInt16) throws {
        fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { throw RawError.connect(errno) }
        var tv = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) } }

    /// Reads frames until one decodes or the connection ends (15 s at most).
    func receiveEvent() -> ControlFrameDecoder.Event? {
        var d = ControlFrameDecoder()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            if let e = d.next() { return e }
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            d.feed(buf[0..<n])
        }
    }

    /// True when the server closed the connection (EOF) within the receive timeout.
    func closedByPeer() -> Bool {
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    enum RawError: Error { case connect(Int32) }
}

/// A TCP connection over 127.0.0.1: (this end, the peer's end).
func tcpLoopbackConnection() throws -> (CInt, CInt) {
    let listener = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
    defer { close(listener) }
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &a) { p in
        try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            try #require(bind(listener, sa, len) == 0 && listen(listener, 1) == 0)
            try #require(getsockname(listener, sa, &len) == 0)
        }
    }
    let client = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
    let rc = withUnsafePointer(to: &a) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, len) }
    }
    try #require(rc == 0)
    let peer = accept(listener, nil, nil)
    try #require(peer >= 0)
    return (client, peer)
}
