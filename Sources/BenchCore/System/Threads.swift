#if canImport(Glibc)
import Glibc
#endif
import SystemPackage
import SystemCalls

/// A named OS thread, optionally pinned to one CPU, whose body's result comes back on `join`.
/// Benchmark loops run on these so the measured work never shares a thread with the control plane.
public final class BenchThread<Result: Sendable>: @unchecked Sendable {
    private var handle = pthread_t()
    private var result: Result?
    private let body: () -> Result
    private let name: String
    private let cpu: Int?

    /// Starts `body` on a new thread named `name` (at most 15 bytes show in `ps`), pinned to
    /// `cpu` when given. Fails only when the system refuses a thread.
    public init(name: String, cpu: Int? = nil, stackBytes: Int = 512 * 1024,
                _ body: @escaping () -> Result) throws(ThreadError) {
        self.body = body
        self.name = name
        self.cpu = cpu
        let rc = Self.spawn(self, stackBytes: stackBytes)
        if rc != 0 { throw ThreadError(name: name, code: rc) }
    }

    private static func spawn(_ thread: BenchThread, stackBytes: Int) -> Int32 {
        let start = ThreadStart { thread.run() }
        let rc = start.launch(stackBytes: stackBytes)
        if case .success(let h) = rc { thread.handle = h; return 0 }
        if case .failure(let code) = rc { return code.code }
        return 0
    }

    private func run() {
        GNU.setThreadName(String(decoding: name.utf8.prefix(15), as: UTF8.self))
        if let cpu { _ = pinCurrentThread(to: cpu) }
        result = body()
    }

    /// Lets the thread's resources go when it ends; it must not be joined afterwards.
    func detach() { pthread_detach(handle) }

    /// Waits for the thread to end and returns what its body returned.
    public func join() -> Result {
        pthread_join(handle, nil)
        return result!
    }
}

public struct ThreadError: Error, CustomStringConvertible {
    public let name: String
    public let code: Int32
    public var description: String {
        "thread \(name): cannot start (\(Errno(rawValue: code).symbol)); lower -P or raise the process limits"
    }
}

/// Pins the calling thread to `cpu` (sched_setaffinity). Returns false when the CPU does not exist
/// or is outside this process's allowed set.
@discardableResult
public func pinCurrentThread(to cpu: Int) -> Bool {
    guard cpu >= 0, cpu < 1024 else { return false }
    var set = cpu_set_t()
    withUnsafeMutableBytes(of: &set) { raw in
        raw.initializeMemory(as: UInt8.self, repeating: 0)
        let words = raw.bindMemory(to: UInt.self)
        words[cpu / UInt.bitWidth] |= 1 << UInt(cpu % UInt.bitWidth)
    }
    return GNU.setAffinity(&set)
}

/// The CPUs this process may run on: its affinity mask, which taskset and cgroups narrow and
/// which a pin must stay inside. Nil when the kernel cannot say.
public func allowedCPUs() -> [Int]? {
    var set = cpu_set_t()
    guard GNU.getAffinity(&set) else { return nil }
    return withUnsafeBytes(of: &set) { raw in
        raw.enumerated().flatMap { index, byte in (0..<8).filter { byte & (1 << $0) != 0 }.map { index * 8 + $0 } }
    }
}

/// `0-3,6`: CPU numbers as taskset and /proc write them.
public func cpuListText(_ cpus: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    let sorted = cpus.sorted()
    while i < sorted.count {
        var j = i
        while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
        parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
        i = j + 1
    }
    return parts.joined(separator: ",")
}

/// Why `cpu` cannot be pinned to here, or nil when it can (or the kernel cannot say).
public func cpuUnavailable(_ cpu: Int) -> String? {
    guard let allowed = allowedCPUs(), !allowed.isEmpty, !allowed.contains(cpu) else { return nil }
    return "CPU \(cpu) is not one this process may run on (\(cpuListText(allowed)))"
}

/// glibc's GNU extensions hide behind `_GNU_SOURCE`, which the Glibc module is not built with;
/// they are looked up once by name instead.
enum GNU {
    private typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    private typealias SetAffinity = @convention(c) (pid_t, Int, UnsafeRawPointer) -> Int32
    private static let setName: SetName? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setname_np").map { unsafeBitCast($0, to: SetName.self) }
    private typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
    private static let affinity: SetAffinity? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity").map { unsafeBitCast($0, to: SetAffinity.self) }
    private static let currentAffinity: GetAffinity? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_getaffinity").map { unsafeBitCast($0, to: GetAffinity.self) }

    static func setThreadName(_ name: String) {
        guard let setName else { return }
        _ = name.withCString { setName(pthread_self(), $0) }
    }

    static func getAffinity(_ set: inout cpu_set_t) -> Bool {
        guard let currentAffinity else { return false }
        return withUnsafeMutableBytes(of: &set) { currentAffinity(0, $0.count, $0.baseAddress!) } == 0
    }

    static func setAffinity(_ set: inout cpu_set_t) -> Bool {
        guard let affinity else { return false }
        return withUnsafeBytes(of: &set) { affinity(0, $0.count, $0.baseAddress!) } == 0
    }
}

/// Non-generic trampoline for pthread_create (the C entry point cannot be generic).
private final class ThreadStart: @unchecked Sendable {
    struct Code: Error { let code: Int32 }
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }

    func launch(stackBytes: Int) -> Swift.Result<pthread_t, Code> {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, stackBytes)
        let box = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let rc = pthread_create(&handle, &attr, threadEntry, box)
        if rc != 0 {
            Unmanaged<ThreadStart>.fromOpaque(box).release()
            return .failure(Code(code: rc))
        }
        return .success(handle)
    }
}

private func threadEntry(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue().body()
    return nil
}
