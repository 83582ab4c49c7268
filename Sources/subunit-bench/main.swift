// subunit-bench: the decode/encode benchmark behind scripts/bench-subunit.
//
//   subunit-bench generate FILE    write the benchmark stream (300,000 result packets, about 25 MB)
//   subunit-bench decode FILE [views|file|events|summary]
//                                  decode it: zero-copy views (from memory and read from the
//                                  file), owned events, and into a summary sink
//   subunit-bench encode           encode the same 300,000 packets into one buffer
//   subunit-bench generate-report FILE TESTS
//                                  write TESTS results as `ibbench tcp --format subunit` writes
//                                  them (inprogress, summary, result.json: three packets each),
//                                  the input of the `ibbench report` measurement
//
// Each measurement is the best of several rounds, timed with CLOCK_MONOTONIC.
// SUBUNIT_BENCH_ROUNDS=N runs every measurement N times instead (1 makes a short
// run for an instruction-count profiler such as valgrind's callgrind).
import BenchCore
import Subunit
#if canImport(Glibc)
import Glibc
#endif

let testCount = 150_000  // two packets per test: inprogress, then the final one with result.json

/// The packets of the benchmark: for each test an `inprogress` (timestamp,
/// tags, route code) and a final `success` carrying a small JSON result.
func benchmarkPackets() -> [Packet] {
    var packets: [Packet] = []
    packets.reserveCapacity(2 * testCount)
    let tags = ["ibbench", "tcp"]
    for i in 0..<testCount {
        let id = "ibbench.tcp.stream.\(65536 << (i % 4))"  // a size sweep, repeated
        let start = Timestamp(seconds: 1_700_000_000 + UInt32(i / 100), nanoseconds: UInt32(i % 100) * 10_000_000)
        let end = Timestamp(seconds: start.seconds + 1, nanoseconds: start.nanoseconds)
        let json = #"{"throughput":\#(9_000_000_000 + i),"rtt":\#(12_000 + i % 997)}"#
        packets.append(Packet(testID: id, status: .inProgress, tags: tags, routeCode: "\(i % 4)", timestamp: start))
        packets.append(Packet(testID: id, status: .success, file: FileChunk(name: "result.json", content: Array(json.utf8)),
                              eof: true, mimeType: "application/json", routeCode: "\(i % 4)", timestamp: end))
    }
    return packets
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Rounds per measurement when SUBUNIT_BENCH_ROUNDS sets them; nil keeps each one's default.
let roundsOverride: Int? = getenv("SUBUNIT_BENCH_ROUNDS").flatMap { Int(String(cString: $0)) }.flatMap { $0 > 0 ? $0 : nil }

/// Best wall time of `rounds` runs of `body` (or of SUBUNIT_BENCH_ROUNDS runs).
func best(_ rounds: Int, _ body: () -> Void) -> Double {
    var t = Double.infinity
    for _ in 0..<(roundsOverride ?? rounds) {
        let s = now()
        body()
        t = Swift.min(t, now() - s)
    }
    return t
}

func report(_ what: String, seconds: Double, bytes: Int, packets: Int) {
    let ms = Int((seconds * 1e3).rounded())
    let mbps = Int((Double(bytes) / seconds / 1e6).rounded())
    let tenthsOfMillions = Int((Double(packets) / seconds / 1e5).rounded())
    print("\(what): \(ms) ms (\(mbps) MB/s, \(tenthsOfMillions / 10).\(tenthsOfMillions % 10) M packets/s)")
}

/// Whether a decoded event is a packet (what the zero-copy measurements count).
func isPacket(_ e: EventView) -> Bool {
    if case .packet = e { return true } else { return false }
}

func readAll(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { fatalError("\(path): cannot open") }
    defer { fclose(f) }
    fseek(f, 0, SEEK_END)
    let n = ftell(f)
    fseek(f, 0, SEEK_SET)
    var bytes = [UInt8](repeating: 0, count: n)
    guard fread(&bytes, 1, n, f) == n else { fatalError("\(path): short read") }
    return bytes
}

let args = CommandLine.arguments
switch (args.count > 1 ? args[1] : "", args.count) {
case ("generate", 3):
    var out: [UInt8] = []
    let encoder = PacketEncoder()
    for p in benchmarkPackets() { try! encoder.encode(p, into: &out) }
    guard let f = fopen(args[2], "wb"), fwrite(out, 1, out.count, f) == out.count, fclose(f) == 0 else {
        fatalError("\(args[2]): cannot write")
    }
    print("wrote \(args[2]): \(out.count) bytes, \(2 * testCount) packets")

case ("decode", 3), ("decode", 4):
    let bytes = readAll(args[2])
    let only = args.count == 4 ? args[3] : nil
    var packets = 0
    // Zero-copy: every packet checked (CRC, bounds, UTF-8), nothing copied.
    if only == nil || only == "views" {
    let views = best(7) {
        var d = PacketDecoder()
        d.feed(bytes)
        d.endOfInput()
        packets = 0
        while let ok = d.nextView(isPacket) {
            if ok { packets += 1 }
        }
    }
    precondition(packets == 2 * testCount, "decoded \(packets) packets")
    report("ibkit decode, views", seconds: views, bytes: bytes.count, packets: packets)
    }
    // The same, reading the file 64 KiB at a time straight into the decoder, as
    // python-subunit reads it: the figure to hold against python's.
    if only == nil || only == "file" {
    let fromFile = best(7) {
        let fd = open(args[2], O_RDONLY)
        precondition(fd >= 0, "\(args[2]): cannot open")
        defer { close(fd) }
        var d = PacketDecoder()
        packets = 0
        while d.fill(minimumCapacity: 65_536, { Swift.max(0, read(fd, $0.baseAddress, 65_536)) }) > 0 {
            while let ok = d.nextView(isPacket) { if ok { packets += 1 } }
        }
        d.endOfInput()
        while let ok = d.nextView(isPacket) { if ok { packets += 1 } }
    }
    precondition(packets == 2 * testCount, "decoded \(packets) packets from the file")
    report("ibkit decode, views from the file", seconds: fromFile, bytes: bytes.count, packets: packets)
    }
    // Owned values: a Packet (strings, arrays) per event.
    if only == nil || only == "events" {
    let events = best(5) {
        var d = PacketDecoder()
        d.feed(bytes)
        d.endOfInput()
        packets = 0
        while let e = d.next() { if case .packet = e { packets += 1 } }
    }
    report("ibkit decode, events", seconds: events, bytes: bytes.count, packets: packets)
    }
    // Incremental, 64 KiB at a time, into a summary sink (what `ibbench report` does).
    if only == nil || only == "summary" {
    var summary = RunSummary()
    let sink = best(5) {
        var d = PacketDecoder()
        summary = RunSummary()
        var i = 0
        while i < bytes.count {
            let j = Swift.min(bytes.count, i + 65_536)
            bytes[i..<j].withUnsafeBytes { d.feed($0) }
            while let e = d.next() { summary.handle(e) }
            i = j
        }
        while let e = d.finish() { summary.handle(e) }
        summary.stopTestRun()
    }
    precondition(summary.total == testCount && summary.succeeded == testCount, "summary disagrees")
    report("ibkit decode, summary", seconds: sink, bytes: bytes.count, packets: 2 * testCount)
    }

case ("generate-report", 4):
    guard let tests = Int(args[3]), tests > 0 else { print("generate-report: TESTS is a positive count"); exit(64) }
    guard let f = fopen(args[2], "wb") else { fatalError("\(args[2]): cannot write") }
    var bytes = 0
    // Written in batches, so that a million tests need no more memory than a thousand.
    for first in stride(from: 0, to: tests, by: 1000) {
        var batch: [(BenchResult, String?)] = []
        for i in first..<Swift.min(tests, first + 1000) {
            let size = 65536 << (i % 4)  // a size sweep, repeated
            let r = BenchResult(
                test: "ibbench.tcp.stream.\(size)", tool: "ibbench", transport: .tcp,
                parameters: ["size": String(size), "streams": "1", "duration": "5"],
                metrics: [Metric("throughput", 9_000_000_000 + Double(i), .bitsPerSecond),
                          Metric("bytes", 5_625_000_000 + Double(i * 1000), .bytes),
                          Metric("rtt", 12_000 + Double(i % 997), .nanoseconds)],
                started: 1_700_000_000 + Double(i) * 5, duration: 5.0 + Double(i % 100) / 1000)
            batch.append((r, i % 4 == 0 ? nil : String(i % 4)))
        }
        let out = SubunitResults.stream(batch)
        guard fwrite(out, 1, out.count, f) == out.count else { fatalError("\(args[2]): cannot write") }
        bytes += out.count
    }
    guard fclose(f) == 0 else { fatalError("\(args[2]): cannot write") }
    print("wrote \(args[2]): \(bytes) bytes, \(tests) tests, \(3 * tests) packets")

case ("encode", 2):
    let packets = benchmarkPackets()
    let encoder = PacketEncoder()
    var out: [UInt8] = []
    for p in packets { try! encoder.encode(p, into: &out) }
    let size = out.count
    let t = packets.withUnsafeBufferPointer { packets in
        best(7) {
            out.removeAll(keepingCapacity: true)
            for i in 0..<packets.count { try! encoder.encode(packets[i], into: &out) }
        }
    }
    precondition(out.count == size)
    report("ibkit encode", seconds: t, bytes: size, packets: packets.count)

default:
    print("usage: subunit-bench generate FILE | decode FILE | encode | generate-report FILE TESTS")
    exit(64)
}
