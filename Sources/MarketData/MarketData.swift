/// Placeholder until the MarketData module lands; see DESIGN.md for what it owns.
public enum MarketDataModule {}
