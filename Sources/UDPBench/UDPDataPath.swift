#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import SystemPackage
import SystemCalls

/// The client's UDP sockets, one per stream (bidir: one each way), and the threads sending or
/// receiving over them. Owns the descriptors: they close when it ends, after the threads have
/// been joined.
final class UDPDataPath: ClientDataPath, @unchecked Sendable {
    let options: UDPTestOptions
    let plan: TestPlan
    let address: SocketAddress
    private var fds: [CInt] = []
    private let threads = DataThreads<UDPLoopResult>()
    /// The streams' counters, once started: what `--interval` reads.
    var progress: [StreamProgress] { threads.progress }
    private(set) var startNanos: UInt64 = 0
    /// How long the sender waits after its last datagram before it reports: what is still in
    /// flight arrives, and is not counted lost.
    static let drainSeconds = 0.05
    /// How long the receiver of a stream the server sends, past the test's duration, waits for
    /// one more datagram before it takes the server's sender to have stopped: the drain, plus
    /// the server's later start (it starts on `start`, after the client).
    static let quietSeconds = 0.1

    init(options: UDPTestOptions, plan: TestPlan, address: SocketAddress) {
        self.options = options
        self.plan = plan
        self.address = address
    }

    deinit { for fd in fds { close(fd) } }

    /// Opens one socket per stream, connected to the port the server gave it, and joins it
    /// with a probe the server echoes (up to 30 tries, 100 ms apart: a datagram can be lost).
    func open(session: [UInt8], info: [String: String]) throws(BenchError) {
        let ports = (info["udp-ports"] ?? "").split(separator: ",").compactMap { UInt16($0) }
        guard ports.count == options.mode.sockets(streams: plan.streams) else {
            throw BenchError(.peer, subject: "\(address)", what: "the server gave no UDP ports for this test",
                             next: "upgrade `ibbench serve` there")
        }
        let prepared: PreparedSocketOptions
        do { prepared = try PreparedSocketOptions(options.socketOptions) } catch {
            throw BenchError(.usage, subject: "--bind/--dev/--window", what: "not usable here", errnoName: error.symbol,
                             next: "check the values against `ip addr` and `ip link`")
        }
        for (i, port) in ports.enumerated() {
            let target = address.with(port: port)
            let receivesStream = options.mode.serverSends(index: i, streams: plan.streams)
            do {
                let s = try UDPSocket.connected(to: target, options: prepared)
                if receivesStream && options.window == nil { try UDPSocket.askForStreamReceiveBuffer(s) }
                fds.append(s.fd)
                _ = s.release()
            } catch {
                throw BenchError(.peer, subject: "\(target)", what: "UDP socket for stream \(i) failed", errnoName: error.symbol,
                                 next: "check --bind and --dev")
            }
            try probe(fd: fds[i], stream: i, session: session, target: target)
            let receiveTimeout: Double? = options.mode == .rr ? UDPTestOptions.lossTimeout
                : receivesStream ? Self.quietSeconds : nil
            if let receiveTimeout {
                do { try UDPSocket.setReceiveTimeout(fds[i], seconds: receiveTimeout) } catch {
                    throw BenchError(.local, subject: "stream \(i)", what: "cannot set its receive timeout", errnoName: error.symbol,
                                     next: "report this")
                }
            }
        }
    }

    private func probe(fd: CInt, stream: Int, session: [UInt8], target: SocketAddress) throws(BenchError) {
        let probe = UDPWire.probe(session: session, stream: stream)
        var refused = false
        for _ in 0..<30 {
            _ = send(fd, probe, probe.count, 0)
            let deadline = Deadline.after(seconds: 0.1)
            while !deadline.hasPassed {
                do {
                    guard let got = try UDPSocket.receive(fd, until: deadline) else { break }
                    if got.bytes == probe { return }
                } catch {
                    // ICMP port unreachable: nothing listens there (a firewall may say so too).
                    if error == .connectionRefused { refused = true }
                    break
                }
            }
        }
        throw BenchError(.peer, subject: "\(target)", what: refused ? "UDP port refused the test's datagrams"
                                                                     : "no answer from UDP port \(target.port) in 3 s",
                         next: "let UDP to the ports of `ibbench serve` through the firewall")
    }

    func start(signalling finished: Wakeup) throws(BenchError) {
        let progress = threads.prepare(count: fds.count, signalling: finished)
        startNanos = monotonicNanos()
        let end = startNanos &+ UInt64(plan.duration * 1e9)
        let hardStop = startNanos &+ UInt64(plan.timeLimit * 1e9)
        for (i, fd) in fds.enumerated() {
            let p = progress[i], plan = self.plan, rate = options.bitsPerSecond, mode = options.mode
            let receives = mode.serverSends(index: i, streams: plan.streams)
            let body: () -> UDPLoopResult = {
                switch mode {
                case .stream, .reverse, .bidir:
                    if receives {
                        return receiveStream(fd: fd, size: plan.size, hardStop: hardStop, quietAfter: end, progress: p)
                    }
                    let buffer = makePayload(size: plan.size)
                    defer { buffer.deallocate() }
                    let r = sendDatagrams(fd: fd, buffer: buffer, bitsPerSecond: rate, endNanos: end, progress: p)
                    if r.errno == 0 { usleep(UInt32(Self.drainSeconds * 1e6)) }
                    return r
                case .rr:
                    let request = makePayload(size: plan.request)
                    // One byte more than a response: a longer datagram shows as one, not as a fit.
                    let response = makePayload(size: plan.response + 1)
                    defer { request.deallocate(); response.deallocate() }
                    return requestResponseDatagrams(fd: fd, request: request, response: response, responseSize: plan.response,
                                                    endNanos: end, hardStop: hardStop, progress: p)
                }
            }
            do { try threads.spawn(i, name: "ibb-udp-\(i)", cpu: options.clientCPU, body) } catch {
                stop()
                throw error
            }
        }
    }

    var allDone: Bool { threads.allDone }

    func stop() {
        threads.stopAll()
        for fd in fds { shutdown(fd, CInt(SHUT_RDWR)) }
    }

    func join() -> [UDPLoopResult] { threads.join() }
}
