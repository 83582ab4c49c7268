import Foundation
import TestProcesses
import Testing
import BenchCore
import Logging
import TCPBench
@testable import RDMABench

let inRXEGuest = ProcessInfo.processInfo.environment["RXEVM_GUEST"] == "1"
let guestIP = ProcessInfo.processInfo.environment["RXEVM_IP"] ?? "10.200.0.1"

/// `ibbench serve`'s server with the TCP and RDMA transports on its own thread for the length
/// of a test; `server` is its RDMA transport.
final class ServerThread: @unchecked Sendable {
    let server: RDMATransport
    let bench: BenchServer
    private let done = DispatchSemaphore(value: 0)

    init(port: UInt16, token: String? = nil, maxClients: Int = 4) throws {
        var quiet = Logger(label: "test.serve")
        quiet.logLevel = .warning
        server = RDMATransport(port: port, logger: quiet)
        bench = try BenchServer(options: ServerOptions(port: port, maxClients: maxClients, token: token),
                                transports: [TCPTransport(), server], logger: quiet)
        let thread = Thread { [self] in
            bench.serve()
            done.signal()
        }
        thread.start()
    }

    func stop() {
        bench.stop()
        #expect(done.wait(timeout: .now() + 15) == .success, "server stopped within 15 s")
    }
}

/// Runs the client, collecting results; the error (if any) comes back instead of being thrown.
func runClient(_ o: RDMAOptions) -> ([BenchResult], RDMAError?) {
    var results: [BenchResult] = []
    do { try RDMAClient.run(o) { results.append($0) } } catch { return (results, error) }
    return (results, nil)
}

@Suite(.serialized, .enabled(if: inRXEGuest, "needs an RDMA device: run through scripts/rxe-vm"))
struct RDMAVerbsTests {
    static let cases: [(RDMAVerb, RDMAMode)] = RDMAVerb.allCases.flatMap { v in RDMAMode.allCases.map { (v, $0) } }

    @Test(arguments: cases)
    func everyVerbAndModeRunsAndValidates(verb: RDMAVerb, mode: RDMAMode) throws {
        let server = try ServerThread(port: 7501)
        defer { server.stop() }
        let (results, error) = runClient(RDMAOptions(peer: guestIP, port: 7501, verb: verb, mode: mode,
                                                     sizes: [4096], iterations: 300, validate: true))
        #expect(error == nil, "\(String(describing: error))")
        let r = try #require(results.first)
        #expect(results.count == 1)
        #expect(r.status == .success)
        #expect(r.test == "ibbench.rdma.\(verb).\(mode)")
        #expect(r.transport == .rdma)
        #expect(r.metric("messages")?.value ?? 0 >= 300)
        if mode == .bw {
            #expect(r.metric("throughput")?.value ?? 0 > 0)
            #expect(r.metric("throughput")?.unit == .bitsPerSecond)
        } else {
            let p50 = try #require(r.metric("latency_p50")?.value)
            #expect(p50 > 0 && p50 <= r.metric("latency_max")!.value)
            #expect((r.metric("latency_one_way_p50") != nil) == (verb != .read))
        }
        #expect(r.metric("cpu_remote") != nil, "the server's report arrived")
        #expect(server.server.sessionsServed == 1)
    }

    @Test func sweepKeepsEverySize() throws {
        let server = try ServerThread(port: 7502)
        defer { server.stop() }
        let sizes = RDMAOptions.sweep(from: 1, to: 1024)
        let (results, error) = runClient(RDMAOptions(peer: guestIP, port: 7502, verb: .send, sizes: sizes,
                                                     iterations: 100, validate: true))
        #expect(error == nil, "\(String(describing: error))")
        #expect(results.map { $0.parameters["size"] } == sizes.map { String($0) })
        #expect(results.map(\.test) == sizes.map { "ibbench.rdma.send.bw.\($0)" })
        #expect(results.allSatisfy { $0.status == .success })
    }

    @Test(arguments: [
        RDMAOptions(peer: guestIP, port: 7503, verb: .write, sizes: [65536], iterations: 400, qps: 4, validate: true),
        RDMAOptions(peer: guestIP, port: 7503, verb: .send, sizes: [64], iterations: 500, qps: 2, txDepth: 64,
                    cqModeration: 8, postList: 4, validate: true),
        RDMAOptions(peer: guestIP, port: 7503, verb: .read, sizes: [8192], iterations: 200, poll: .events, validate: true),
        RDMAOptions(peer: guestIP, port: 7503, verb: .write, sizes: [128], iterations: 300, inline: 128, validate: true),
        RDMAOptions(peer: guestIP, port: 7503, verb: .send, mode: .lat, sizes: [32], iterations: 200, poll: .events),
        RDMAOptions(peer: guestIP, port: 7503, verb: .write, sizes: [4096], duration: 0.5, device: "rxe0", devicePort: 1),
    ])
    func optionsCombine(options: RDMAOptions) throws {
        let server = try ServerThread(port: 7503)
        defer { server.stop() }
        let (results, error) = runClient(options)
        #expect(error == nil, "\(String(describing: error))")
        #expect(results.first?.status == .success)
        if options.duration == nil {
            #expect(results.first?.metric("messages")?.value ?? 0 >= Double(options.iterations * options.qps))
        } else {
            #expect(results.first?.duration ?? 0 >= 0.5)
        }
    }

    @Test func hugePagesWhenReservedOrAClearError() throws {
        let server = try ServerThread(port: 7504)
        defer { server.stop() }
        let (results, error) = runClient(RDMAOptions(peer: guestIP, port: 7504, sizes: [4096], iterations: 50, hugePages: true))
        if let error {
            #expect(error.description.contains("huge pages"))
        } else {
            #expect(results.first?.status == .success)
        }
    }

    @Test func noServerIsAClearErrorQuickly() {
        let start = Date()
        let (results, error) = runClient(RDMAOptions(peer: guestIP, port: 7599, sizes: [64], iterations: 10))
        #expect(results.isEmpty)
        #expect(error?.code == .notServing, "\(String(describing: error))")
        #expect(error?.description.contains("ibbench serve") == true)
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func unresolvablePeerIsAResolutionError() {
        let start = Date()
        let (_, error) = runClient(RDMAOptions(peer: "no-such-host.invalid", port: 7599, sizes: [64], iterations: 10, timeout: 2))
        #expect([.addressResolution, .routeResolution, .notServing, .connection].contains(error?.code),
                "\(String(describing: error))")
        #expect(Date().timeIntervalSince(start) < 15)
    }

    @Test func wrongDeviceIsNamed() throws {
        let server = try ServerThread(port: 7508)
        defer { server.stop() }
        let (_, error) = runClient(RDMAOptions(peer: guestIP, port: 7508, sizes: [64], device: "mlx5_9"))
        #expect(error?.code == .deviceMismatch)
        #expect(error?.description.contains("rxe0") == true)
    }

    @Test func clientBeyondTheLimitIsToldTheServerIsBusy() throws {
        let server = try ServerThread(port: 7505, maxClients: 1)
        defer { server.stop() }
        let first = Thread {
            _ = runClient(RDMAOptions(peer: guestIP, port: 7505, sizes: [65536], duration: 3))
        }
        first.start()
        Thread.sleep(forTimeInterval: 1.5)
        let (_, error) = runClient(RDMAOptions(peer: guestIP, port: 7505, sizes: [64], iterations: 10))
        #expect(error?.code == .rejected, "\(String(describing: error))")
        #expect(error?.description.contains("busy") == true)
        Thread.sleep(forTimeInterval: 2.5)
    }

    @Test func serverWithATokenServesOnlyRunsThatProveIt() throws {
        let server = try ServerThread(port: 7507, token: "s3cret")
        defer { server.stop() }
        let unsigned = runClient(RDMAOptions(peer: guestIP, port: 7507, sizes: [64], iterations: 10))
        #expect(unsigned.1?.code == .rejected, "\(String(describing: unsigned.1))")
        #expect(unsigned.1?.description.contains("--token") == true)
        let wrong = runClient(RDMAOptions(peer: guestIP, port: 7507, sizes: [64], iterations: 10, token: "guess"))
        #expect(wrong.1?.code == .rejected)
        let right = runClient(RDMAOptions(peer: guestIP, port: 7507, sizes: [64], iterations: 10, qps: 2, token: "s3cret"))
        #expect(right.1 == nil, "\(String(describing: right.1))")
        #expect(right.0.count == 1 && right.0[0].status == .success)
        #expect(server.server.sessionsServed == 1, "only the run with the token was served")
    }

    /// 200 connect/run/disconnect cycles against one server leave the process's open file
    /// descriptors and the kernel's MR, QP and cm_id counts where they were.
    @Test func twoHundredCyclesLeakNothing() throws {
        let server = try ServerThread(port: 7506)
        defer { server.stop() }
        let o = RDMAOptions(peer: guestIP, port: 7506, verb: .write, sizes: [4096], iterations: 20)
        for _ in 0..<5 { #expect(runClient(o).1 == nil) }
        _ = rdmaResources()   // Foundation's Process keeps a few descriptors of its own after its first use
        let before = (openFDs(), rdmaResources())
        var failures = 0
        for i in 0..<200 {
            let verb = RDMAVerb.allCases[i % 3]
            var each = o
            each.verb = verb
            if runClient(each).1 != nil { failures += 1 }
        }
        #expect(failures == 0)
        Thread.sleep(forTimeInterval: 0.5)
        let after = (openFDs(), rdmaResources())
        #expect(after.0 == before.0, "open fds \(before.0) → \(after.0): \(fdTargets())")
        #expect(after.1 == before.1, "rdma resources (mr, qp, cm_id) \(before.1) → \(after.1)")
        #expect(server.server.sessionsServed == 205)
    }
}

/// Descriptors of RDMA objects (/dev/infiniband/uverbs*, rdma_cm, completion and async event
/// channels): other tests running alongside open and close pipes, these only RDMA code opens.
func openFDs() -> Int {
    fdTargets().filter { $0.contains("infiniband") || $0.contains("rdma") || $0.contains("uverbs") }.count
}

/// What each open descriptor is, for the message when a count moved.
func fdTargets() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return names.sorted().map { "\($0)→" + ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) ?? "?") }
}

/// Lines of `rdma res show mr|qp|cm_id`: the kernel's count of registered MRs, QPs and cm_ids.
func rdmaResources() -> [Int] {
    ["mr", "qp", "cm_id"].map { kind in
        guard let run = try? runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["rdma", "res", "show", kind]) else { return -1 }
        return run.stdout.split(separator: "\n").count
    }
}
