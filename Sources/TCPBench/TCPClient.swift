#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import SystemPackage

/// Runs one TCP test against a server: the control connection driven by
/// `ControlClientMachine`, the data path by `DataPath`, every wait bounded.
struct TCPClient {
    let options: TCPTestOptions
    let reporter: any Reporter

    func run(testID: String, size: Int, request: Int, response: Int) -> ClientRun {
        let plan = options.plan(size: size, request: request, response: response)
        let address: SocketAddress
        do { address = try SocketAddress.resolve(options.peer, port: options.port) } catch {
            return ClientRun(results: [], error: error)
        }
        let control = ControlClientRun(address: address,
                                       connection: SocketOptions(device: options.device, bindAddress: options.bind),
                                       plan: plan, token: options.token)
        let data = DataPath(mode: options.mode, plan: plan, options: options, address: address)
        var started = wallClockSeconds()
        var interval: IntervalReporter?
        let end = control.run(data, connected: {
            reporter.started(test: testID, route: nil)
            started = wallClockSeconds()
        }, started: {
            if data.progress.count > 1 {
                for i in data.progress.indices { reporter.started(test: "\(testID).stream\(i)", route: String(i)) }
            }
            if let every = options.interval, every > 0 {
                let mode = options.mode
                // A --bytes stream ends when its bytes are sent, not at a set time.
                let planned = plan.bytes == nil ? plan.duration + plan.omit : nil
                interval = IntervalReporter(testID: testID, every: every, streams: data.progress, startNanos: data.startNanos,
                                            duration: planned, reporter: reporter) { span in
                    switch mode {
                    case .rr, .crr: [Metric("transactions_per_second", Double(span.totalTransactions) / span.seconds, .perSecond)]
                    default: [Metric("throughput", Double(span.totalBytes) * 8 / span.seconds, .bitsPerSecond),
                              Metric("bytes", Double(span.totalBytes), .bytes)]
                    }
                }
            }
        })
        let loops = data.join()
        interval?.finish()
        switch end.streamHalves(peer: address, measured: !loops.isEmpty) {
        case .failure(let error):
            return ClientRun(results: [], error: error)
        case .success(let (server, failure)):
            return ClientResults(mode: options.mode, plan: plan, testID: testID, started: started,
                                 client: loops, server: server, failure: failure).build()
        }
    }
}
