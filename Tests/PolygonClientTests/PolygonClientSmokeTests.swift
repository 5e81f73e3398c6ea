import Testing

@testable import PolygonClient
