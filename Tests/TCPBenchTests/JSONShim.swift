import BenchCore
import Foundation

/// Decodes `{"event":"result",…}` lines back into results.
struct JSONDecoderShim {
    func result(_ line: String) -> BenchResult? {
        guard line.contains("\"event\":\"result\"") else { return nil }
        return try? JSONDecoder().decode(BenchResult.self, from: Data(line.utf8))
    }
}
