import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemCalls

/// Reads a subunit stream from a file descriptor (file, pipe, socket) to its
/// end, decoding as bytes arrive, and hands every event to a sink. Memory
/// stays bounded by the decoder's limits whatever the stream's length.
public struct StreamReader {
    public var options: PacketDecoder.Options
    /// How long to wait for the next byte before giving up; nil waits for ever
    /// (a file or a pipe whose writer will close it).
    public var idleTimeout: Duration?
    /// Bytes asked for per `read`.
    public var readSize: Int

    public init(options: PacketDecoder.Options = .init(), idleTimeout: Duration? = nil, readSize: Int = 65_536) {
        self.options = options
        self.idleTimeout = idleTimeout
        self.readSize = readSize
    }

    /// Decodes `fd` into `sink` until end of input. Calls neither
    /// `startTestRun` nor `stopTestRun`: the caller frames the run, possibly
    /// around several streams. Returns the number of bytes read. On an error the
    /// events decoded so far have been delivered.
    @discardableResult
    public func read(_ fd: FileDescriptor, into sink: inout some StreamResult) throws(StreamReadError) -> Int {
        var decoder = PacketDecoder(options: options)
        var total = 0
        while true {
            try waitReadable(fd)
            let n: Int
            do {
                n = try decoder.fill(minimumCapacity: readSize) { (buffer) throws(Errno) -> Int in
                    do {
                        return try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(readSize)))
                    } catch {
                        throw error as? Errno ?? .ioError
                    }
                }
            } catch .wouldBlock {
                try waitReadable(fd, evenWithoutTimeout: true)  // a non-blocking descriptor
                continue
            } catch {
                drain(&decoder, into: &sink)
                throw .read(error)
            }
            if n == 0 { break }
            total += n
            drain(&decoder, into: &sink)
        }
        decoder.endOfInput()
        drain(&decoder, into: &sink)
        return total
    }

    private func drain(_ decoder: inout PacketDecoder, into sink: inout some StreamResult) {
        while let event = decoder.next() { sink.handle(event) }
    }

    private func waitReadable(_ fd: FileDescriptor, evenWithoutTimeout: Bool = false) throws(StreamReadError) {
        guard idleTimeout != nil || evenWithoutTimeout else { return }
        var ms: Int32 = -1
        if let t = idleTimeout {
            ms = Int32(clamping: t.components.seconds * 1000 + t.components.attoseconds / 1_000_000_000_000_000)
        }
        var p = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        let ready: Int32
        do { ready = try sys { poll(&p, 1, ms) } } catch { throw .read(error) }
        if ready == 0 { throw .idle(idleTimeout ?? .zero) }
    }
}

/// Why a stream could not be read to its end.
public enum StreamReadError: Error, Sendable, Equatable, CustomStringConvertible {
    case read(Errno)
    /// No byte arrived within the idle timeout.
    case idle(Duration)

    public var description: String {
        switch self {
        case .read(let e): "subunit input: read failed (\(e)); check the file or the producer of the stream"
        case .idle(let d): "subunit input: nothing received for \(d); check that the producer of the stream is still running"
        }
    }
}
