import Foundation
import Testing

@testable import SnapshotStore

@Suite struct StoreLeaseTests {
    @Test func oneTraderPerStoreAndTheRefusalNamesTheHolder() throws {
        let db = temporaryDatabase()
        var first: StoreLease? = try StoreLease.acquire(databasePath: db)
        #expect(first != nil)
        do {
            _ = try StoreLease.acquire(databasePath: db)
            Issue.record("a second lease on the same store was granted")
        } catch {
            #expect(error.holder == getpid())
            #expect(error.message.contains("pid \(getpid())") && error.message.contains(db))
        }
        // Released with its holder (a dead process's lock goes with it): the next trader may start.
        first = nil
        let again = try StoreLease.acquire(databasePath: db)
        #expect(again.path == db + ".lock")
    }
}
