import Testing
@testable import TCPBench

