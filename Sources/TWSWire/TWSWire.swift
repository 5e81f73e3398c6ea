/// Placeholder until the TWSWire module lands; see DESIGN.md for what it owns.
public enum TWSWireModule {}
