import Testing
@testable import ChordCore
