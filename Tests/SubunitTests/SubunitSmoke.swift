import Testing
@testable import Subunit

