import Foundation
import Testing
import BenchCore
@testable import RDMABench

/// The built `ibbench` beside this test binary, started with posix_spawn (stdout and stderr to
/// /dev/null), so the test can SIGKILL it mid-run.
struct Child {
    let pid: pid_t

    init(_ arguments: [String]) throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("ibbench").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([exe] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, exe, &actions, nil, argv, environ)
        guard r == 0 else { throw POSIXError(POSIXErrorCode(rawValue: r) ?? .EINVAL) }
        self.pid = pid
    }

    func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    /// Exit status once the child ended, nil if it still runs after `seconds`.
    func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xFF }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }
}

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
        let server = try Child(["serve", "--port", "7611"])
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
        let client = try Child(["rdma", guestIP, "send", "bw", "--port", "7612", "-t", "60"])
        Thread.sleep(forTimeInterval: 3)
        #expect(client.wait(seconds: 0) == nil, "the client was still running")
        client.kill()
        let (results, error) = runClient(RDMAOptions(peer: guestIP, port: 7612, verb: .write, mode: .lat,
                                                     sizes: [64], iterations: 100, timeout: 15))
        #expect(error == nil, "\(String(describing: error))")
        #expect(results.first?.status == .success)
    }

    @Test func serveOnceExitsAfterOneRDMARun() throws {
        let server = try Child(["serve", "--once", "--port", "7613"])
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
        let none = try Child(["rdma", guestIP, "--port", "7699", "--iters", "10"])
        #expect(none.wait(seconds: 20) == 2)
        let usage = try Child(["rdma", guestIP, "--qps", "0"])
        #expect(usage.wait(seconds: 20) == 64)
    }
}
