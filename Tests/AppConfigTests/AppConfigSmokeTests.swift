import Testing
@testable import AppConfig
