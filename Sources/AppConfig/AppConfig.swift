/// Placeholder until the AppConfig module lands; see DESIGN.md for what it owns.
public enum AppConfigModule {}
