/// Placeholder until the PolygonClient module lands; see DESIGN.md for what it owns.
public enum PolygonClientModule {}
