import Testing
@testable import PeerTools

