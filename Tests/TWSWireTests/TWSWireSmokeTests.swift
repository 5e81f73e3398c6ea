import Testing
@testable import TWSWire
