/// Placeholder until the GatewaySimulator module lands; see DESIGN.md for what it owns.
public enum GatewaySimulatorModule {}
