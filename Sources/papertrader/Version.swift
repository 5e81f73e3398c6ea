/// The version of papertrader, defined once: `papertrader --version` prints it.
enum PapertraderVersion {
    /// Semantic version of this build.
    static let current = "0.22.0"
}
