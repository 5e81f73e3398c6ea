import SnapshotStore

/// The store opened read-only for the CLI's inspection commands (`store stats`, `store export`,
/// `journal`, `report`): each answers in ready-to-print text or JSON.
public struct StoreReader: Sendable {
    let store: SQLiteStore

    /// The database file.
    public var path: String { store.path }

    /// Opens the database at `path` read-only; throws when it is missing, damaged or not a store.
    public init(path: String) throws {
        store = try SQLiteStore(path: path, readOnly: true)
    }
}
