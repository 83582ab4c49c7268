import Foundation
import TestProcesses
import Testing
import BenchCore
@testable import RDMABench

/// Retries a short run until the server answers (at most 10 s).
func waitServing(port: UInt16) -> Bool {
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        if runClient(RDMAOptions(peer: guestIP, port: port, sizes: [64], iterations: 10, timeout: 2)).1 == nil { return true }
        Thread.sleep(forTimeInterval: 0.2)
    }
    return false
}

@Suite(.serialized, .enabled(if: inRXEGuest, "needs an RDMA device: run through scripts/rxe-vm"))
struct RDMAPeerDeathTests {
    @Test func serveKilledMidRunEndsTheClientWithItsPartialResult() throws {
        let server = try ChildProcess(product: "ibbench", ["serve", "--port", "7611"])
        var killed = false
        defer { if !killed { server.kill() } }
        #expect(waitServing(port: 7611), "ibbench serve answers within 10 s")
        nonisolated(unsafe) var outcome: ([BenchResult], RDMAError?) = ([], nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            outcome = runClient(RDMAOptions(peer: guestIP, port: 7611, sizes: [65536], duration: 60, timeout: 3))
            done.signal()
        }
        Thread.sleep(forTimeInterval: 3)
        server.kill()
        killed = true
        #expect(done.wait(timeout: .now() + 20) == .success, "the client noticed within 20 s, not after -t 60")
        let (results, error) = outcome
        #expect(error?.code == .peerLost, "\(String(describing: error))")
        #expect(error?.description.contains("\n") == false)
        let partial = try #require(results.first, "the partial result is kept")
        #expect(partial.status == .error)
        #expect(partial.reason == error?.description)
        #expect(partial.metric("throughput")?.value ?? 0 > 0)
        #expect(partial.duration ?? 99 < 30)
    }

    @Test func clientKilledMidRunLeavesTheServerServing() throws {
        let server = try ServerThread(port: 7612)
        defer { server.stop() }
        let client = try ChildProcess(product: "ibbench", ["rdma", guestIP, "send", "bw", "--port", "7612", "-t", "60"])
        Thread.sleep(forTimeInterval: 3)
        #expect(client.wait(seconds: 0) == nil, "the client was still running")
        client.kill()
        let (results, error) = runClient(RDMAOptions(peer: guestIP, port: 7612, verb: .write, mode: .lat,
                                                     sizes: [64], iterations: 100, timeout: 15))
        #expect(error == nil, "\(String(describing: error))")
        #expect(results.first?.status == .success)
    }

    @Test func serveOnceExitsAfterOneRDMARun() throws {
        let server = try ChildProcess(product: "ibbench", ["serve", "--once", "--port", "7613"])
        var ended: Int32?
        defer { if ended == nil { server.kill() } }
        #expect(server.wait(seconds: 1) == nil, "serve --once waits for a test")
        #expect(waitServing(port: 7613), "ibbench serve answers within 10 s and serves the run")
        ended = server.wait(seconds: 15)
        #expect(ended == 0, "serve --once exited 0 after one RDMA run")
        let (_, error) = runClient(RDMAOptions(peer: guestIP, port: 7613, sizes: [64], iterations: 10, timeout: 2))
        #expect(error != nil, "nobody serves a second run")
    }

    @Test func cliErrorsAreOneLineAndExitTwo() throws {
        let none = try ChildProcess(product: "ibbench", ["rdma", guestIP, "--port", "7699", "--iters", "10"])
        #expect(none.wait(seconds: 20) == 2)
        let usage = try ChildProcess(product: "ibbench", ["rdma", guestIP, "--qps", "0"])
        #expect(usage.wait(seconds: 20) == 64)
    }
}
