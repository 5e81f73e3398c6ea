/// Placeholder until the TWSClient module lands; see DESIGN.md for what it owns.
public enum TWSClientModule {}
