#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import Logging
import Mesh
import SystemPackage

/// What the coordinator hears from the ranks, in arrival order. `rank` is the rank's
/// host's place in the host list.
enum RankEvent: Sendable {
    case joined(rank: Int)
    case report(rank: Int, PairReport)
    /// The rank's connection closed, or it broke the protocol.
    case lost(rank: Int, why: String)
}

/// The coordinator's side of every rank's control connection: accepts them, checks the
/// token and the join, then reads each on its own thread and queues what arrives. The
/// coordinator's loop writes to the ranks and waits on the queue, always with a deadline.
final class RankConnections: Sendable {
    private struct State {
        /// Write descriptors of the joined ranks (each a dup of its connection, closed on removal).
        var writers: [Int: CInt] = [:]
        var events: [RankEvent] = []
        var acceptingJoins = true
        var stopped = false
        /// Threads (accept loop, handshakes, readers) still running.
        var threads = 0
    }

    private let state = Gate(State())
    private let hosts: [String]
    private let token: String?
    private let logger: Logger
    private let listenerFD: CInt

    init(listeningOn address: SocketAddress, hosts: [String], token: String?, logger: Logger) throws(BenchError) {
        self.hosts = hosts
        self.token = token
        self.logger = logger
        do { listenerFD = try Socket.listen(on: address, device: nil).release() } catch {
            throw BenchError(.local, subject: "coordinator \(address)", what: "cannot listen", errnoName: error.symbol,
                             next: error == .addressInUse ? "another run uses the port; pass --coordinator-port" : "check --hosts and --bind")
        }
    }

    deinit { close(listenerFD) }

    /// Starts accepting ranks.
    func start() throws(BenchError) {
        try spawn("ibb-mesh-acc") { [self] in acceptLoop() }
    }

    /// Ranks that joined and are not lost.
    var connected: Set<Int> { state.read { Set($0.writers.keys) } }

    /// From now on a rank that tries to join is told the run started without it.
    func closeJoins() { state.update { $0.acceptingJoins = false } }

    /// Waits for events until `deadline`; returns them (empty when none came).
    func events(until deadline: Deadline) -> [RankEvent] {
        _ = state.wait(until: deadline) { !$0.events.isEmpty }
        return state.update { s in
            defer { s.events.removeAll() }
            return s.events
        }
    }

    /// Sends to a rank; false (and the rank is dropped) when it cannot take the message.
    @discardableResult
    func send(_ message: ControlMessage, to rank: Int) -> Bool {
        guard let fd = state.read({ $0.writers[rank] }) else { return false }
        let socket = Socket(adopting: dup(fd))
        do {
            try socket.writeAll(ControlFrame.encode(message), until: .after(seconds: 5))
            return true
        } catch {
            drop(rank, why: "cannot send to it (\(error.symbol))")
            return false
        }
    }

    /// Forgets a rank (lost or silent): it gets no more jobs; its reader ends with its connection.
    func drop(_ rank: Int, why: String) {
        state.update { s in
            if let fd = s.writers.removeValue(forKey: rank) {
                shutdown(fd, CInt(SHUT_RDWR))
                close(fd)
                s.events.append(.lost(rank: rank, why: why))
            }
        }
    }

    /// Ends every thread (within about a second) and closes every connection.
    func stop() {
        state.update { s in
            s.stopped = true
            for fd in s.writers.values { shutdown(fd, CInt(SHUT_RDWR)); close(fd) }
            s.writers.removeAll()
        }
        _ = state.wait(until: .after(seconds: 3)) { $0.threads == 0 }
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) throws(BenchError) {
        state.update { $0.threads += 1 }
        do {
            try BenchThread.detached(name: name) { [self] in
                body()
                state.update { $0.threads -= 1 }
            }
        } catch {
            state.update { $0.threads -= 1 }
            throw BenchError(.local, subject: "coordinator", what: "cannot start a thread", next: "check the thread limit")
        }
    }

    private func acceptLoop() {
        let listener = Socket(adopting: dup(listenerFD))
        while !state.read(\.stopped) {
            guard let conn = try? listener.accept(until: .after(seconds: 0.2)) else { continue }
            let fd = conn.release()
            do { try spawn("ibb-mesh-rank") { [self] in serve(Socket(adopting: fd)) } } catch {
                close(fd)
                logger.warning("cannot serve a rank's connection", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One rank's connection: the handshake (10 s a step), the join, then its reports.
    private func serve(_ socket: consuming Socket) {
        var channel = ControlChannel(socket: socket)
        let nonce = randomBytes(16)
        guard case .message(.hello) = next(&channel, seconds: 10),
              channel.send(.challenge(nonce: nonce, tokenRequired: token != nil)) else { return }
        guard case .message(.auth(let proof)) = next(&channel, seconds: 10) else { return }
        if let token, !TokenProof.matches(TokenProof.proof(token: token, nonce: nonce, label: RankParticipant.proofLabel), proof) {
            _ = channel.send(.error("token rejected: pass the same --token or --token-file to every rank"), until: .after(seconds: 2))
            return
        }
        guard channel.send(.welcome), case .message(.join(let label, let host)) = next(&channel, seconds: 10) else { return }
        let (admitted, refusal) = admit(rank: label, host: host, fd: channel.socket.fd)
        guard let rank = admitted else {
            _ = channel.send(.error(refusal ?? "refused"), until: .after(seconds: 2))
            return
        }
        logger.info("rank joined", metadata: ["rank": "\(label)", "host": "\(host)"])
        while true {
            switch next(&channel, seconds: 1) {
            case .message(.pairResult(let json)):
                guard let report = MeshDocuments.decode(PairReport.self, json) else {
                    drop(rank, why: "its pair-result does not parse")
                    return
                }
                state.update { $0.events.append(.report(rank: rank, report)) }
            case .timedOut:
                if state.read({ $0.stopped || $0.writers[rank] == nil }) { return }
            case .message(.error(let text)):
                drop(rank, why: "it said: \(text)")
                return
            case .message(let m):
                drop(rank, why: "it sent an unexpected \(m.name) message")
                return
            case .closed:
                drop(rank, why: "its connection closed")
                return
            case .invalid(let why):
                drop(rank, why: why)
                return
            }
        }
    }

    /// Registers a joining rank under its host's place in the host list (its rank
    /// number is only a label: under Slurm a task need not run on the rank-th node), or
    /// says why not.
    private func admit(rank: Int, host: String, fd: CInt) -> (slot: Int?, refusal: String?) {
        guard let slot = hosts.firstIndex(of: host) else {
            return (nil, "host \(host) (rank \(rank)) is not in this run's host list; give every rank the same --hosts")
        }
        return state.update { s -> (slot: Int?, refusal: String?) in
            if !s.acceptingJoins {
                return (nil, "the run started without rank \(rank) (--join-timeout passed); it is reported missing")
            }
            if s.writers[slot] != nil { return (nil, "\(host) has already joined") }
            s.writers[slot] = dup(fd)
            s.events.append(.joined(rank: slot))
            return (slot, nil)
        }
    }

    private enum Next { case message(ControlMessage), closed, timedOut, invalid(String) }

    private func next(_ channel: inout ControlChannel, seconds: Double) -> Next {
        switch channel.receive(until: .after(seconds: seconds)) {
        case .event(.message(let m)): .message(m)
        case .event(.invalid(let why)): .invalid(why)
        case .event(.versionMismatch(let v, _)): .invalid("speaks control protocol version \(v), this coordinator \(ControlFrame.version)")
        case .closed: .closed
        case .timedOut: .timedOut
        }
    }
}
