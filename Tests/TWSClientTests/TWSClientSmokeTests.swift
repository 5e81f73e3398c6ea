import Testing
@testable import TWSClient
