#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization
import SystemCalls
import SystemPackage

/// Accepts on one listening socket until stopped and serves each connection on a thread of
/// its own: the server's port, and a test's own data port. At most `maxHandlers` connections
/// are served at once; beyond that a new one is closed unserved. Owns the listener: it closes
/// when the acceptor ends, never while `run` may still wait on it.
package final class ConnectionAcceptor: Sendable {
    package let port: UInt16
    private let listenerFD: CInt
    private let maxHandlers: Int
    private let threadName: String
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)
    private let handlers = Atomic<Int>(0)

    package init(listener: consuming Socket, maxHandlers: Int, threadName: String, logger: Logger) throws(Errno) {
        port = try listener.localPort()
        listenerFD = listener.release()
        self.maxHandlers = maxHandlers
        self.threadName = threadName
        self.logger = logger
    }

    deinit { close(listenerFD) }

    /// Accepts until `stop()`, which it notices within 200 ms. Returns without waiting for the
    /// connections it handed out.
    package func run(_ handle: @escaping @Sendable (consuming Socket) -> Void) {
        let listener = Socket(adopting: dup(listenerFD))
        while !stopped.load(ordering: .relaxed) {
            guard let conn = try? listener.accept(until: .after(seconds: 0.2)) else { continue }
            if handlers.load(ordering: .relaxed) >= maxHandlers {
                continue   // `conn` closes here: too many connections in flight
            }
            let fd = conn.release()
            handlers.wrappingAdd(1, ordering: .relaxed)
            do {
                try BenchThread.detached(name: threadName) { [self] in
                    handle(Socket(adopting: fd))
                    handlers.wrappingSubtract(1, ordering: .relaxed)
                }
            } catch {
                close(fd)
                handlers.wrappingSubtract(1, ordering: .relaxed)
                logger.warning("cannot start a connection thread", metadata: ["error": "\(error)"])
            }
        }
    }

    package func stop() { stopped.store(true, ordering: .relaxed) }

    /// Waits, at most until `deadline`, for the connections being served to end (each is
    /// bounded by its own deadline).
    package func waitForHandlers(until deadline: Deadline) {
        while handlers.load(ordering: .relaxed) > 0 && !deadline.hasPassed { usleep(10_000) }
    }
}
