#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import SystemPackage
import SystemCalls

/// The client's data connections and the threads running over them. Owns the descriptors:
/// they close when it ends, after the threads have been joined.
final class DataPath: ClientDataPath, @unchecked Sendable {
    let mode: TCPMode
    let plan: TestPlan
    let options: TCPTestOptions
    /// Where the data connections go: the server's port, or the test's own when the server
    /// gave one (`tcp-port`, for a `--window`).
    private(set) var address: SocketAddress
    private var session: [UInt8] = []
    private(set) var fds: [CInt] = []
    private let threads = DataThreads<LoopResult>()
    var progress: [StreamProgress] { threads.progress }
    private(set) var startNanos: UInt64 = 0
    /// crr: the options every per-transaction connection gets, prepared before the clock starts.
    private var connectRequestOptions: PreparedSocketOptions?

    init(mode: TCPMode, plan: TestPlan, options: TCPTestOptions, address: SocketAddress) {
        self.mode = mode
        self.plan = plan
        self.options = options
        self.address = address
    }

    deinit { for fd in fds { close(fd) } }

    /// Opens the data connections, each announcing itself with `attach`.
    func open(session: [UInt8], info: [String: String]) throws(BenchError) {
        self.session = session
        if let given = info["tcp-port"] {
            guard let port = UInt16(given), port != 0 else {
                throw BenchError(.peer, subject: "\(address)", what: "the server gave a bad TCP data port '\(given)'",
                                 next: "check that the peer runs `ibbench serve`")
            }
            address = address.with(port: port)
        }
        if mode == .crr { try prepareConnectRequestOptions() }
        let n = mode.connections(streams: plan.streams)
        for i in 0..<n {
            let deadline = Deadline.after(seconds: 10)
            do {
                let s = try Socket.connect(to: address, options: options.socketOptions, until: deadline)
                try s.writeAll(ControlFrame.encode(.attach(session: session, stream: i)), until: deadline)
                fds.append(s.release())
            } catch {
                throw BenchError(.peer, subject: "\(address)", what: "data connection \(i + 1) of \(n) failed",
                                 errnoName: error.symbol,
                                 next: ControlClientRun.advice(error, port: address.port, device: options.device))
            }
        }
    }

    /// crr opens its connections inside the timed loop, so a `--window`, `--mss`, `--congestion`,
    /// `--dev` or `--bind` the kernel refuses is found here, on a socket of the same kind, and
    /// reported as the other modes report it, before anything is timed. Kernel: socket, setsockopt, bind.
    private func prepareConnectRequestOptions() throws(BenchError) {
        do {
            let prepared = try PreparedSocketOptions(options.socketOptions)
            let probe = Socket(adopting: try sys {
                socket(address.family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            })
            try prepared.apply(to: probe.fd)
            connectRequestOptions = prepared
        } catch {
            throw BenchError(.peer, subject: "\(address)", what: "crr connections cannot be set up",
                             errnoName: error.symbol,
                             next: ControlClientRun.advice(error, port: options.port, device: options.device))
        }
    }

    /// Starts one thread per stream (crr: per stream of connections).
    func start(signalling finished: Wakeup) throws(BenchError) {
        let address = self.address, session = self.session
        let count = mode == .crr ? plan.streams : fds.count
        let progress = threads.prepare(count: count, signalling: finished)
        startNanos = monotonicNanos()
        let hardStop = startNanos &+ UInt64(plan.timeLimit * 1e9)
        let end = startNanos &+ UInt64((plan.duration + plan.omit) * 1e9)
        for i in 0..<count {
            let p = progress[i]
            var limits = LoopLimits(omitNanos: UInt64(plan.omit * 1e9), hardStopNanos: hardStop)
            let body: () -> LoopResult
            let cpu = options.clientCPU
            let plan = self.plan
            switch mode {
            case .rr:
                limits.endNanos = end
                let fd = fds[i]
                let busyPoll = options.busyPoll
                body = {
                    let req = makePayload(size: plan.request), resp = makePayload(size: plan.response)
                    defer { req.deallocate(); resp.deallocate() }
                    return requestResponseClientLoop(fd: fd, request: UnsafeRawBufferPointer(req), response: resp,
                                                     busyPoll: busyPoll, limits: limits, progress: p)
                }
            case .crr:
                limits.endNanos = end
                let prefix = ControlFrame.encode(.attach(session: session, stream: i))
                guard let sockOpts = connectRequestOptions else { preconditionFailure("crr started before open") }
                body = {
                    let buf = makePayload(size: prefix.count + plan.request)
                    for (k, b) in prefix.enumerated() { buf[k] = b }
                    let resp = makePayload(size: plan.response)
                    defer { buf.deallocate(); resp.deallocate() }
                    return connectRequestResponseClientLoop(address: address, options: sockOpts,
                                                            prefixed: UnsafeRawBufferPointer(buf), response: resp,
                                                            limits: limits, progress: p)
                }
            case .stream, .reverse, .bidir:
                let fd = fds[i]
                if mode.serverSends(index: i, streams: plan.streams) {
                    body = {
                        let buf = makePayload(size: receiveBufferSize(plan.size))
                        defer { buf.deallocate() }
                        return receiveLoop(fd: fd, buffer: buf, limits: limits, progress: p)
                    }
                } else {
                    if let bytes = plan.bytes { limits.byteLimit = bytes } else { limits.endNanos = end }
                    let zeroCopy = options.zeroCopy
                    body = {
                        let buf = makePayload(size: plan.size)
                        defer { buf.deallocate() }
                        let file = zeroCopy ? makeZeroCopyFile(size: plan.size) : nil
                        defer { if let file { close(file) } }
                        return sendLoop(fd: fd, buffer: UnsafeRawBufferPointer(buf), sendfileFrom: file,
                                        limits: limits, progress: p)
                    }
                }
            }
            do { try threads.spawn(i, name: "ibb-\(mode.rawValue)-\(i)", cpu: cpu, body) } catch {
                stop()
                throw error
            }
        }
    }

    var allDone: Bool { threads.allDone }

    /// Stops every loop still running; the descriptors stay open until this ends.
    func stop() {
        threads.stopAll()
        for fd in fds { shutdown(fd, CInt(SHUT_RDWR)) }
    }

    func join() -> [LoopResult] { threads.join() }
}
