/// Placeholder until the Trading module lands; see DESIGN.md for what it owns.
public enum TradingModule {}
