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

    /// Which protocol `read` expects.
    public enum Expect: Sendable, Equatable {
        case v2
        case v1
        /// Decided from the first bytes (`ProtocolDetector`).
        case detect
    }

    /// Decodes `fd` into `sink` until end of input. Calls neither
    /// `startTestRun` nor `stopTestRun`: the caller frames the run, possibly
    /// around several streams. Returns the number of bytes read. On an error the
    /// events decoded so far have been delivered.
    @discardableResult
    public func read(_ fd: FileDescriptor, into sink: inout some StreamResult) throws(StreamReadError) -> Int {
        var decoder = PacketDecoder(options: options)
        return try readV2(fd, decoder: &decoder, into: &sink)
    }

    /// `read`, for a v1 or v2 stream or either; returns the protocol read
    /// (for `.detect`, the one the first bytes showed) and the bytes read.
    public func read(_ fd: FileDescriptor, into sink: inout some StreamResult,
                     expect: Expect, v1: V1Decoder.Options = .init()) throws(StreamReadError) -> (version: SubunitVersion, bytes: Int) {
        var prefix: [UInt8] = []
        var version: SubunitVersion
        switch expect {
        case .v2: version = .v2
        case .v1: version = .v1
        case .detect:
            // Only what it takes to decide is held back, at most the detector's peek limit.
            while true {
                let n: Int
                do { n = try readChunk(fd, into: &prefix) } catch {
                    // What came before the failure is still reported, read as the bytes show.
                    if ProtocolDetector.detect(prefix, complete: true) == .v1 {
                        var decoder = V1Decoder(options: v1)
                        decoder.feed(prefix)
                        drainV1(&decoder, into: &sink)
                    } else {
                        var decoder = PacketDecoder(options: options)
                        decoder.feed(prefix)
                        drain(&decoder, into: &sink)
                    }
                    throw error
                }
                if let v = ProtocolDetector.detect(prefix, complete: n == 0) {
                    version = v
                    break
                }
            }
        }
        switch version {
        case .v2:
            var decoder = PacketDecoder(options: options)
            decoder.feed(prefix)
            drain(&decoder, into: &sink)
            return (.v2, try readV2(fd, decoder: &decoder, into: &sink) + prefix.count)
        case .v1:
            var decoder = V1Decoder(options: v1)
            decoder.feed(prefix)
            drainV1(&decoder, into: &sink)
            var total = prefix.count
            var buffer: [UInt8] = []
            while true {
                buffer.removeAll(keepingCapacity: true)
                let n: Int
                do { n = try readChunk(fd, into: &buffer) } catch {
                    drainV1(&decoder, into: &sink)
                    throw error
                }
                if n == 0 { break }
                total += n
                decoder.feed(buffer)
                drainV1(&decoder, into: &sink)
            }
            decoder.endOfInput()
            drainV1(&decoder, into: &sink)
            return (.v1, total)
        }
    }

    /// Appends one `read` of at most `readSize` bytes to `buffer`; 0 at end of input.
    private func readChunk(_ fd: FileDescriptor, into buffer: inout [UInt8]) throws(StreamReadError) -> Int {
        while true {
            try waitReadable(fd)
            let start = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: readSize))
            let result = buffer.withUnsafeMutableBytes { b in
                Result<Int, Errno> { () throws(Errno) -> Int in
                    do {
                        return try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: b[start...]))
                    } catch {
                        throw error as? Errno ?? .ioError
                    }
                }
            }
            switch result {
            case .success(let n):
                buffer.removeLast(readSize - n)
                return n
            case .failure(.wouldBlock):
                buffer.removeLast(readSize)
                try waitReadable(fd, evenWithoutTimeout: true)
            case .failure(let e):
                buffer.removeLast(readSize)
                throw .read(e)
            }
        }
    }

    private func readV2(_ fd: FileDescriptor, decoder: inout PacketDecoder,
                        into sink: inout some StreamResult) throws(StreamReadError) -> Int {
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

    private func drainV1(_ decoder: inout V1Decoder, into sink: inout some StreamResult) {
        while let event = decoder.next() { sink.handle(event) }
        sink.caughtUp()
    }

    private func drain(_ decoder: inout PacketDecoder, into sink: inout some StreamResult) {
        while decoder.deliverNext(to: &sink) {}
        sink.caughtUp()
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
