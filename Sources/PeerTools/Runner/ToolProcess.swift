import Foundation
import SystemCalls

/// One finished (or stopped) run of an external program.
public struct ToolRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// The deadline passed and the program was stopped (SIGTERM, then SIGKILL).
    public var timedOut: Bool
}

/// Runs programs with a deadline, capturing stdout and stderr; stdin is /dev/null.
///
/// Each program runs in a process group of its own, on pipes that no other child inherits
/// (close-on-exec), and every read and wait has a deadline: a tool that forks (netserver)
/// or leaves a grandchild holding its output open cannot hang the caller.
enum ToolProcess {
    /// - Parameter timeout: seconds until the group is sent SIGTERM; SIGKILL follows 2 s later.
    static func run(_ tool: PeerTool, _ executable: String, _ arguments: [String],
                    timeout: Double) throws(PeerToolError) -> ToolRun {
        let child: SpawnedProcess
        do {
            child = try SpawnedProcess(executable, arguments, capture: true)
        } catch {
            throw PeerToolError(tool, .notRun("cannot start \(executable) (\(error)); check that it is executable"))
        }
        return child.collect(timeout: timeout)
    }

    /// The first executable called `name` in the PATH directories, or nil.
    static func locate(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}

/// A started program: leader of its own process group, stdout/stderr on pipes (or /dev/null).
/// Consumed by `collect` (read to EOF or deadline, then reap), or ended by `stop` (kill the group, reap).
struct SpawnedProcess: ~Copyable {
    let pid: pid_t
    private var outFD: Int32
    private var errFD: Int32

    struct SpawnError: Error, CustomStringConvertible {
        let errno: Int32
        var description: String { String(cString: strerror(errno)) }
    }

    init(_ executable: String, _ arguments: [String], capture: Bool) throws(SpawnError) {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        if capture {
            // Close-on-exec from creation (Glibc's Swift overlay lacks pipe2, so socket pairs): only
            // this child gets the write ends (dup2 clears the flag on 1 and 2), never a sibling
            // spawned concurrently by another thread.
            do { _ = try sys { cloexecPair(&outPipe) } } catch { throw SpawnError(errno: error.rawValue) }
            do { _ = try sys { cloexecPair(&errPipe) } } catch {
                close(outPipe[0]); close(outPipe[1])
                throw SpawnError(errno: error.rawValue)
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if capture {
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGTERM, SIGINT, SIGCHLD] { sigaddset(&defaults, s) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var rc = posix_spawn(&pid, executable, &actions, &attr, argv, environ)
        // ETXTBSY: a freshly written script is still open for writing in a child another thread
        // forked just now; that child execs or exits within moments.
        for _ in 0..<20 where rc == ETXTBSY {
            usleep(25_000)
            rc = posix_spawn(&pid, executable, &actions, &attr, argv, environ)
        }
        if capture { close(outPipe[1]); close(errPipe[1]) }
        guard rc == 0 else {
            if capture { close(outPipe[0]); close(errPipe[0]) }
            throw SpawnError(errno: rc)
        }
        self.pid = pid
        outFD = outPipe[0]
        errFD = errPipe[0]
    }

    /// Reads stdout and stderr until the program exits (or `timeout` seconds pass: the group is
    /// stopped), then reaps it. Output still open 1 s after the program exited belongs to a
    /// leftover grandchild: the group is killed and reading stops.
    consuming func collect(timeout: Double) -> ToolRun {
        let deadline = monotonicSeconds() + timeout
        var out = [UInt8](), err = [UInt8]()
        var status: Int32? = nil
        var exitedAt: Double? = nil
        var timedOut = false
        while outFD >= 0 || errFD >= 0 {
            let now = monotonicSeconds()
            if status == nil, let s = reap(blocking: false) { status = s; exitedAt = now }
            if let t = exitedAt, now - t > 1 { break }
            if status == nil, now >= deadline { timedOut = true; break }
            var fds = [pollfd(fd: outFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 100)   // fd -1 is ignored by poll
            for (i, p) in fds.enumerated() where p.fd >= 0 && p.revents != 0 {
                let open = i == 0 ? drain(p.fd, into: &out) : drain(p.fd, into: &err)
                if !open {
                    close(p.fd)
                    if i == 0 { outFD = -1 } else { errFD = -1 }
                }
            }
        }
        if status == nil, !timedOut {
            // Both pipes closed; the program is exiting. Wait for it, still bounded.
            while status == nil, monotonicSeconds() < deadline {
                status = reap(blocking: false)
                if status == nil { usleep(10_000) }
            }
            timedOut = status == nil
        }
        if outFD >= 0 { close(outFD); outFD = -1 }
        if errFD >= 0 { close(errFD); errFD = -1 }
        let final = status ?? terminateGroup()
        kill(-pid, SIGKILL)   // nothing of the group outlives the run; ESRCH when it is already gone
        return ToolRun(status: final, stdout: String(decoding: out, as: UTF8.self),
                       stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut)
    }

    /// Stops the whole process group (SIGTERM, SIGKILL after 2 s) and reaps the program;
    /// the pipes close when the value goes away.
    func stop() {
        _ = terminateGroup()
        kill(-pid, SIGKILL)
    }

    deinit {
        if outFD >= 0 { close(outFD) }
        if errFD >= 0 { close(errFD) }
    }

    /// SIGTERM to the group, SIGKILL 2 s later if the program is still there; its exit status.
    private func terminateGroup() -> Int32 {
        kill(-pid, SIGTERM)
        let until = monotonicSeconds() + 2
        while monotonicSeconds() < until {
            if let s = reap(blocking: false) { return s }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        return reap(blocking: true) ?? -1
    }

    /// The exit status (128+signal when killed), nil while the program runs.
    private func reap(blocking: Bool) -> Int32? {
        var raw: Int32 = 0
        // ECHILD: reaped elsewhere.
        guard let r = try? sys({ waitpid(pid, &raw, blocking ? 0 : WNOHANG) }) else { return -1 }
        if r == 0 { return nil }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    /// Appends what `fd` has; false at EOF or on an error.
    private func drain(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        do {
            let n = try sys { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            if n > 0 { buffer += chunk[..<n] }
            return n > 0
        } catch {
            return error == .resourceTemporarilyUnavailable
        }
    }
}

private func cloexecPair(_ fds: inout [Int32]) -> Int32 {
    socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
}

private func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
