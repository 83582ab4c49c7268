import Testing
@testable import RDMABench

