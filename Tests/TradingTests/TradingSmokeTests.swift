import Testing

@testable import Trading
