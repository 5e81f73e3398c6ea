import Metrics
import Orchestrator

/// The test process's one swift-metrics bootstrap, as the executable does it at start (library code
/// never bootstraps); tests that read `/metrics` touch `bootstrapped` first.
enum TestMetrics {
    static let bootstrapped: Void = MetricsSystem.bootstrap(ServiceMetrics.makeFactory())
}
