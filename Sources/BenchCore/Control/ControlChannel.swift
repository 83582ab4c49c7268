#if canImport(Glibc)
import Glibc
#endif
import SystemPackage
import SystemCalls

/// Control frames over one socket, every read and write bounded by a deadline.
package struct ControlChannel: ~Copyable {
    package let socket: Socket
    package var decoder = ControlFrameDecoder()

    package init(socket: consuming Socket, decoder: ControlFrameDecoder = ControlFrameDecoder()) {
        self.socket = socket
        self.decoder = decoder
    }

    package enum Received: Equatable {
        case event(ControlFrameDecoder.Event)
        /// The peer closed or reset the connection.
        case closed
        case timedOut
    }

    /// The next decoded event, EOF or timeout.
    package mutating func receive(until deadline: Deadline) -> Received {
        receive(until: deadline, wakingFor: nil) ?? .timedOut
    }

    /// `receive(until:)` that also returns, with nil, as soon as `wakeup` is signalled (its
    /// signals are left pending for the caller to drain).
    package mutating func receive(until deadline: Deadline, or wakeup: Wakeup) -> Received? {
        receive(until: deadline, wakingFor: wakeup)
    }

    private mutating func receive(until deadline: Deadline, wakingFor wakeup: Wakeup?) -> Received? {
        while true {
            if let e = decoder.next() { return .event(e) }
            do {
                if let wakeup {
                    switch try socket.waitReadable(until: deadline, or: wakeup) {
                    case .timedOut: return .timedOut
                    case .woken: return nil
                    case .readable: break
                    }
                }
                guard let bytes = try socket.readSome(max: 16384, until: deadline) else { return .timedOut }
                if bytes.isEmpty { return .closed }
                decoder.feed(bytes)
            } catch {
                return .closed
            }
        }
    }

    /// Sends one message; false when the peer is gone or stalls past the deadline.
    package func send(_ message: ControlMessage, until deadline: Deadline = .after(seconds: 10)) -> Bool {
        do {
            try socket.writeAll(ControlFrame.encode(message), until: deadline)
            return true
        } catch {
            return false
        }
    }
}

/// Random bytes (nonces, session cookies) from the kernel's CSPRNG. Kernel: /dev/urandom.
package func randomBytes(_ count: Int = 16) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    guard let fd = try? sys({ open("/dev/urandom", O_RDONLY | O_CLOEXEC) }) else {
        preconditionFailure("/dev/urandom unreadable: nonces would be guessable")
    }
    defer { close(fd) }
    var filled = 0
    while filled < count {
        guard let n = try? sys({ out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, count - filled) } }),
              n > 0 else { preconditionFailure("/dev/urandom read failed") }
        filled += n
    }
    return out
}
