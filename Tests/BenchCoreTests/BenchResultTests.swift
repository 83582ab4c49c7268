import Testing
import Foundation
@testable import BenchCore

@Test func measurementRoundTripsThroughJSON() throws {
    let m = BenchResult(test: "ibbench.tcp.stream", tool: "ibbench", transport: .tcp,
                        parameters: ["size": "131072"],
                        metrics: [Metric("throughput", 9.5e9, .bitsPerSecond)])
    let back = try JSONDecoder().decode(BenchResult.self, from: JSONEncoder().encode(m))
    #expect(back == m)
    #expect(back.metric("throughput")?.unit == .bitsPerSecond)
}
