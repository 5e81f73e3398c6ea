import Testing
@testable import GatewaySimulator
