import Testing
@testable import SnapshotStore
