/// Placeholder until the SnapshotStore module lands; see DESIGN.md for what it owns.
public enum SnapshotStoreModule {}
