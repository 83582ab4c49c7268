import Foundation
import Subunit

/// The conformance vectors in Fixtures/vectors: each `NAME.subunit` with the
/// events python-subunit 1.4.6 decodes from it in `NAME.json`.
enum Vectors {
    static let directory: URL = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/vectors")

    /// Case names from index.json.
    static let names: [String] = {
        let index = try! JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("index.json")))
        return ((index as! [String: Any])["cases"] as! [[String: Any]]).map { $0["name"] as! String }
    }()

    /// How each case was made (`encoder`, `hand`, `encoder + edit`, …).
    static let madeBy: [String: String] = {
        let index = try! JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("index.json")))
        var out: [String: String] = [:]
        for c in (index as! [String: Any])["cases"] as! [[String: Any]] {
            out[c["name"] as! String] = c["made_by"] as? String
        }
        return out
    }()

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent("\(name).subunit")))
    }

    /// python's events for the case, in the common form.
    static func expected(_ name: String) throws -> [PyEvent] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("\(name).json")))
        return (json as! [[String: Any]]).map(PyEvent.init(json:))
    }
}

/// One `StreamResult.status()` call as python-subunit makes it, the unit of comparison.
struct PyEvent: Equatable, CustomStringConvertible {
    var testID: String?
    var status: String?
    var tags: [String]?
    var runnable: Bool
    var fileName: String?
    var fileBytes: [UInt8]?
    var eof: Bool
    var mimeType: String?
    var routeCode: String?
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, microseconds rounded like python.
    var timestamp: String?

    init(json e: [String: Any]) {
        testID = e["test_id"] as? String
        status = e["test_status"] as? String
        tags = e["test_tags"] as? [String]
        runnable = e["runnable"] as! Bool
        fileName = e["file_name"] as? String
        fileBytes = (e["file_bytes"] as? String).map { [UInt8](Data(base64Encoded: $0)!) }
        eof = e["eof"] as! Bool
        mimeType = e["mime_type"] as? String
        routeCode = e["route_code"] as? String
        timestamp = e["timestamp"] as? String
    }

    init(_ p: Packet) {
        testID = p.testID
        status = p.status.wireName
        tags = p.tags.isEmpty ? nil : Set(p.tags).sorted()
        runnable = p.runnable
        fileName = p.file?.name
        fileBytes = p.file?.content
        eof = p.eof
        mimeType = p.mimeType
        routeCode = p.routeCode
        timestamp = p.timestamp.map(PyEvent.pythonTime)
    }

    /// The calls python makes for one decoder event.
    static func from(_ event: Event) -> [PyEvent] {
        switch event {
        case .packet(let p): [PyEvent(p)]
        case .nonSubunit(let b): [PyEvent(.nonSubunit(b))]
        case .corrupt(let c): c.packets.map(PyEvent.init)
        }
    }

    var isText: Bool {
        testID == nil && status == nil && tags == nil && runnable && fileName == "stdout" && !eof
            && mimeType == nil && routeCode == nil && timestamp == nil
    }

    /// Joins consecutive non-subunit text events: their boundaries depend on
    /// how the bytes were delivered.
    static func mergingText(_ events: [PyEvent]) -> [PyEvent] {
        var out: [PyEvent] = []
        for e in events {
            if e.isText, let last = out.last, last.isText {
                out[out.count - 1].fileBytes! += e.fileBytes!
            } else if !(e.isText && e.fileBytes!.isEmpty) {
                out.append(e)
            }
        }
        return out
    }

    /// python keeps microseconds, rounding nanoseconds half to even.
    static func pythonTime(_ t: Timestamp) -> String {
        let q = Int(t.nanoseconds) / 1000
        let r = Int(t.nanoseconds) % 1000
        let micros = q + (r > 500 || (r == 500 && q % 2 == 1) ? 1 : 0)
        var seconds = time_t(t.seconds) + time_t(micros / 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros % 1_000_000)
    }

    var description: String {
        var parts: [String] = []
        if let testID { parts.append("id=\(testID)") }
        if let status { parts.append("status=\(status)") }
        if let tags { parts.append("tags=\(tags)") }
        if !runnable { parts.append("runnable=false") }
        if let fileName { parts.append("file=\(fileName)") }
        if let fileBytes {
            parts.append(fileBytes.count > 80 ? "bytes(\(fileBytes.count))" : "bytes=\(String(decoding: fileBytes, as: UTF8.self).debugDescription)")
        }
        if eof { parts.append("eof") }
        if let mimeType { parts.append("mime=\(mimeType)") }
        if let routeCode { parts.append("route=\(routeCode)") }
        if let timestamp { parts.append("ts=\(timestamp)") }
        return "{" + parts.joined(separator: " ") + "}"
    }
}

/// Decodes `bytes` fed in pieces of `chunk` bytes, draining events after each piece.
func decodeEvents(_ bytes: [UInt8], chunk: Int, options: PacketDecoder.Options = .init()) -> [Event] {
    var decoder = PacketDecoder(options: options)
    var events: [Event] = []
    var i = 0
    while i < bytes.count {
        let j = Swift.min(bytes.count, i + chunk)
        decoder.feed(bytes[i..<j])
        while let e = decoder.next() { events.append(e) }
        i = j
    }
    while let e = decoder.finish() { events.append(e) }
    return events
}
