import Testing
@testable import LinkSetup

