#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `results.jsonl`: one `LinkResult` per line, appended as each test ends, so that the
/// file is valid at every moment and a killed run can be resumed (`--resume`).
///
/// A line is written with its newline in one write; a last line without a newline is
/// therefore a write that a kill cut short, and is dropped. Any other line that does
/// not decode is corruption and an error, since silently skipping it would re-run or
/// lose a measurement without saying so.
public enum ResultsJournal {
    /// One line of the journal, newline included.
    public static func line(_ result: LinkResult) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A struct of strings, numbers and enums always encodes.
        let data = try! encoder.encode(result)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// What a journal holds.
    public struct Contents: Sendable, Equatable {
        public var results: [LinkResult]
        /// Bytes up to the end of the last complete line: truncate the file to this
        /// length before appending to it, so a cut-off line is not glued to the next.
        public var validLength: Int
        /// Whether a cut-off last line was dropped.
        public var droppedPartialLine: Bool
    }

    public static func parse(_ bytes: some Collection<UInt8>) throws(JournalError) -> Contents {
        let bytes = Array(bytes)
        var results: [LinkResult] = []
        var lineStart = 0
        var lineNumber = 0
        let decoder = JSONDecoder()
        while let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
            lineNumber += 1
            let line = bytes[lineStart..<newline]
            lineStart = newline + 1
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) {
                continue
            }
            let result: LinkResult
            do {
                result = try decoder.decode(LinkResult.self, from: Data(line))
            } catch {
                throw .corruptLine(lineNumber)
            }
            if result.schema != LinkResult.schemaName { throw .unknownSchema(result.schema, line: lineNumber) }
            results.append(result)
        }
        return Contents(results: results, validLength: lineStart, droppedPartialLine: lineStart < bytes.count)
    }

    /// The directed links a resumed run need not test again: those that passed in the
    /// mesh phase. A failed test is run again, since the usual cause (a node that was
    /// down) is what the resumed run is for.
    public static func completedLinks(_ results: [LinkResult]) -> Set<DirectedLink> {
        Set(results.lazy.filter { $0.phase == .mesh && $0.status == .success }.map(\.link))
    }
}

public enum JournalError: Error, Equatable, Sendable, CustomStringConvertible {
    case corruptLine(Int)
    case unknownSchema(String, line: Int)

    public var description: String {
        switch self {
        case .corruptLine(let n): "results line \(n) is not a mesh result; the journal is damaged"
        case .unknownSchema(let s, let n): "results line \(n) has schema \"\(s)\", expected \"\(LinkResult.schemaName)\""
        }
    }
}
