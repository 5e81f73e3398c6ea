/// Placeholder until the Orchestrator module lands; see DESIGN.md for what it owns.
public enum OrchestratorModule {}
