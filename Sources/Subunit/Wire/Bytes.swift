#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Comparing and copying the short fields of a packet (ids, tags, route
/// codes), where a call to memcmp or memcpy costs more than the work itself.
/// Up to 64 bytes they go a word at a time: the last word overlaps the one
/// before it, and runs shorter than a word are read as overlapping halves, so
/// no loop over single bytes is needed and every access lies within the `n`
/// bytes given.
enum Bytes {
    /// Whether `a[0..<n]` and `b[0..<n]` are equal.
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        if n > 64 { return memcmp(a, b, n) == 0 }
        if n >= 8 {
            var diff: UInt64 = 0
            var i = 0
            while i + 8 < n {  // checked arithmetic keeps the compiler from unrolling (see UTF8Check)
                diff |= a.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                i += 8
            }
            let last = n &- 8
            diff |= a.loadUnaligned(fromByteOffset: last, as: UInt64.self) ^ b.loadUnaligned(fromByteOffset: last, as: UInt64.self)
            return diff == 0
        }
        if n >= 4 {
            let last = n &- 4
            return (a.loadUnaligned(as: UInt32.self) ^ b.loadUnaligned(as: UInt32.self))
                | (a.loadUnaligned(fromByteOffset: last, as: UInt32.self) ^ b.loadUnaligned(fromByteOffset: last, as: UInt32.self)) == 0
        }
        if n == 0 { return true }
        // 1 to 3 bytes: the first, the middle and the last cover them all.
        let mid = n >> 1, last = n &- 1
        return a.load(as: UInt8.self) == b.load(as: UInt8.self)
            && a.load(fromByteOffset: mid, as: UInt8.self) == b.load(fromByteOffset: mid, as: UInt8.self)
            && a.load(fromByteOffset: last, as: UInt8.self) == b.load(fromByteOffset: last, as: UInt8.self)
    }

    /// Copies `source[0..<n]` to `destination[0..<n]`; the two do not overlap.
    @inline(__always)
    static func copy(_ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, _ n: Int) {
        if n > 64 {
            destination.copyMemory(from: source, byteCount: n)
        } else if n >= 8 {
            var i = 0
            while i + 8 < n {  // checked arithmetic keeps the compiler from unrolling (see UTF8Check)
                destination.storeBytes(of: source.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: i, as: UInt64.self)
                i += 8
            }
            let last = n &- 8
            destination.storeBytes(of: source.loadUnaligned(fromByteOffset: last, as: UInt64.self), toByteOffset: last, as: UInt64.self)
        } else if n >= 4 {
            let first = source.loadUnaligned(as: UInt32.self)
            let last = source.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            destination.storeBytes(of: first, as: UInt32.self)
            destination.storeBytes(of: last, toByteOffset: n &- 4, as: UInt32.self)
        } else if n > 0 {
            let first = source.load(as: UInt8.self)
            let mid = source.load(fromByteOffset: n >> 1, as: UInt8.self)
            let last = source.load(fromByteOffset: n &- 1, as: UInt8.self)
            destination.storeBytes(of: first, as: UInt8.self)
            destination.storeBytes(of: mid, toByteOffset: n >> 1, as: UInt8.self)
            destination.storeBytes(of: last, toByteOffset: n &- 1, as: UInt8.self)
        }
    }
}
