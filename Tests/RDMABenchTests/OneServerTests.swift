import Foundation
import Synchronization
import Testing
import BenchCore
@testable import RDMABench
import TCPBench

/// Collects finished results (the TCP engine reports through a `Reporter`).
final class CollectingReporter: Reporter, @unchecked Sendable {
    private let results = Mutex<[BenchResult]>([])
    func started(test: String, route: String?) {}
    func interval(_ sample: IntervalSample) {}
    func finished(_ result: BenchResult, route: String?) {
        if route == nil { results.withLock { $0.append(result) } }
    }
    var all: [BenchResult] { results.withLock { $0 } }
}

/// One `ibbench serve` server, TCP and RDMA tests side by side.
@Suite(.serialized, .enabled(if: inRXEGuest, "needs an RDMA device: run through scripts/rxe-vm"))
struct OneServerTests {
    @Test func servesTwoTCPAndTwoRDMAClientsAtOnce() throws {
        let server = try ServerThread(port: 7520, maxClients: 4)
        defer { server.stop() }
        let rdma = Mutex<[([BenchResult], RDMAError?)]>([])
        let tcp = Mutex<[(RunVerdict, [BenchResult])]>([])
        let group = DispatchGroup()
        let started = Date()
        for verb in [RDMAVerb.write, .send] {
            DispatchQueue.global().async(group: group) {
                let r = runClient(RDMAOptions(peer: guestIP, port: 7520, verb: verb, sizes: [65536], duration: 2, validate: true))
                rdma.withLock { $0.append(r) }
            }
        }
        for mode in [TCPMode.stream, .rr] {
            DispatchQueue.global().async(group: group) {
                var test = TCPTestOptions(peer: guestIP)
                test.port = 7520
                test.mode = mode
                test.duration = 2
                let reporter = CollectingReporter()
                let verdict = (try? TCPBenchmark.run(TCPRunRequest(test: test), reporter: reporter)) ?? .error("bad input")
                tcp.withLock { $0.append((verdict, reporter.all)) }
            }
        }
        #expect(group.wait(timeout: .now() + 60) == .success, "all four runs ended")
        // Run one after another, four 2-second runs take 8 s and more; side by side, well under.
        let elapsed = Date().timeIntervalSince(started)
        for (results, error) in rdma.withLock({ $0 }) {
            #expect(error == nil, "\(String(describing: error))")
            let r = try #require(results.first)
            #expect(r.status == .success)
            #expect(r.metric("throughput")?.value ?? 0 > 0)
            #expect(r.metric("cpu_remote") != nil, "the server's half arrived")
        }
        for (verdict, results) in tcp.withLock({ $0 }) {
            #expect(verdict == .passed, "\(verdict)")
            let r = try #require(results.last)
            #expect(r.status == .success)
            #expect((r.metric("throughput") ?? r.metric("transactions_per_second"))?.value ?? 0 > 0)
        }
        #expect(rdma.withLock { $0.count } == 2 && tcp.withLock { $0.count } == 2)
        #expect(server.server.sessionsServed == 2)
        print("four runs of 2 s side by side took \(String(format: "%.1f", elapsed)) s")
    }

    /// The same control-protocol token check refuses a wrong token for either kind of test.
    @Test func wrongTokenIsRefusedForBothKinds() throws {
        let server = try ServerThread(port: 7521, token: "s3cret")
        defer { server.stop() }
        let (_, rdmaError) = runClient(RDMAOptions(peer: guestIP, port: 7521, sizes: [64], iterations: 10, token: "guess"))
        var test = TCPTestOptions(peer: guestIP)
        test.port = 7521
        test.duration = 0.5
        test.token = "guess"
        let verdict = try TCPBenchmark.run(TCPRunRequest(test: test), reporter: CollectingReporter())
        guard case .error(let tcpText) = verdict else {
            Issue.record("a TCP run with the wrong token ended \(verdict)")
            return
        }
        let rdmaText = try #require(rdmaError?.description)
        #expect(rdmaText.contains("token rejected"), "\(rdmaText)")
        #expect(tcpText.contains("token rejected"), "\(tcpText)")
        #expect(server.server.sessionsServed == 0)
    }
}
