#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import BenchCore
import Mesh

/// The JSON documents that the mesh messages of the control protocol carry
/// (docs/control-protocol.md, "Mesh messages").
enum MeshDocuments {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Structs of strings, numbers and arrays: encoding cannot fail.
        return Array(try! encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }
}

/// `plan`: coordinator → every rank once the join phase is over.
struct MeshPlanDocument: Codable, Equatable {
    var schema = "ibkit.mesh.plan/1"
    var hosts: [String]
    /// A string: JSON numbers lose precision above 2^53 in most readers.
    var seed: String?
    var transport: String
    /// Round by round, the pairs (`[a, b]`) scheduled.
    var rounds: [[[String]]]
    /// Ranks that did not join in time.
    var missing: [String]
    /// The longest a rank waits for its next message before it counts the coordinator as
    /// lost, seconds: the worst case of the whole run.
    var silenceLimit: Double
}

/// `run-pair`: coordinator → the client rank of a directed link.
struct PairJob: Codable, Equatable {
    var id: Int
    var from: String
    var to: String
    /// Where `to`'s benchmark server listens.
    var toAddress: String
    var phase: LinkResult.Phase
    var round: Int?
    var spec: MeshTestSpec
}

/// `pair-result`: the client rank's answer to a job.
struct PairReport: Codable {
    var id: Int
    var result: LinkResult
    /// The engines' own results, for the stream's metrics.
    var bandwidth: BenchResult?
    var latency: BenchResult?
}
