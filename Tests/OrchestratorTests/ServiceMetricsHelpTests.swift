import Testing

@testable import Orchestrator

/// `/metrics` carries a `# HELP` line for every family (promtool's rule), added by `render`.
@Suite struct ServiceMetricsHelpTests {
    @Test func helpGoesBeforeEachKnownTypeLineOnce() {
        let text = """
            # TYPE papertrader_positions_open gauge
            papertrader_positions_open 0.0
            # HELP tws_messages_in_total already there
            # TYPE tws_messages_in_total counter
            tws_messages_in_total 3
            # TYPE unknown_thing gauge
            unknown_thing 1

            """
        let expected = """
            # HELP papertrader_positions_open Open paper positions.
            # TYPE papertrader_positions_open gauge
            papertrader_positions_open 0.0
            # HELP tws_messages_in_total already there
            # TYPE tws_messages_in_total counter
            tws_messages_in_total 3
            # TYPE unknown_thing gauge
            unknown_thing 1

            """
        #expect(ServiceMetrics.withHelp(text) == expected)
    }
}

/// Every `# TYPE` line of a scrape follows a `# HELP` line of the same family.
func expectHelpForEveryFamily(_ text: String) {
    var previous: Substring = ""
    for line in text.split(separator: "\n") {
        if line.hasPrefix("# TYPE ") {
            let name = line.dropFirst(7).prefix { $0 != " " }
            #expect(previous.hasPrefix("# HELP \(name) "), "no HELP for \(name)")
        }
        previous = line
    }
}
