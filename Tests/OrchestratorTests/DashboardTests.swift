import AppConfig
import Foundation
import Hummingbird
import HummingbirdTesting
import OptionsModel
import SnapshotStore
import Synchronization
import Testing
import Trading

@testable import Orchestrator

/// A store in a fresh temporary file.
private func freshStore() throws -> SQLiteStore {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dash-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return try SQLiteStore(path: dir.appendingPathComponent("store.sqlite").path)
}

private let monday = Date(timeIntervalSince1970: 1_773_064_800)  // 2026-03-09 14:00 UTC, a Monday session

/// A small chain: two expiries, strikes around spot, calls and puts with a skew.
private func chain(_ symbol: String, at time: Date, spot: Double) -> ChainSnapshot {
    let day = MarketCalendar().tradingDay(of: time)
    var options: [OptionQuote] = []
    for (n, dte) in [30, 45].enumerated() {
        let expiry = day.adding(days: dte)
        for k in stride(from: spot * 0.9, through: spot * 1.1, by: spot * 0.02) {
            let strike = k.rounded()
            for right in [OptionRight.call, .put] {
                let moneyness = (strike - spot) / spot
                let iv = 0.20 + Double(n) * 0.01 - moneyness * 0.3 + (right == .put ? 0.005 : 0)
                options.append(
                    OptionQuote(
                        contract: OptionContract(symbol: symbol, expiry: expiry, strike: strike, right: right),
                        quote: Quote(bid: 1.0, ask: 1.1),
                        greeks: Greeks(impliedVolatility: iv, delta: right == .call ? 0.3 : -0.3),
                        underlyingPrice: spot,
                        flags: [], source: .simulator))
            }
        }
    }
    return ChainSnapshot(symbol: symbol, timestamp: time, underlyingPrice: spot, options: options, source: .simulator)
}

/// Writes `cycles` cycles of one symbol with equity marks and returns the store.
private func populatedStore(symbol: String = "IWM", cycles: Int = 5) throws -> SQLiteStore {
    let store = try freshStore()
    for i in 0..<cycles {
        let time = monday.addingTimeInterval(Double(i) * 300)
        let id = try store.beginCycle(startedAt: time)
        try store.recordSymbol(
            cycleID: id, chain: chain(symbol, at: time, spot: 200),
            underlying: UnderlyingSnapshot(
                symbol: symbol, timestamp: time, price: 200, vix: 17 + Double(i), trend: .uptrend,
                ivRank: 40 + Double(i), atmIV: 0.21, source: .simulator))
        try store.finishCycle(
            id: id, finishedAt: time.addingTimeInterval(12), status: i == 2 ? .partial : .ok, counts: [symbol: 44],
            sources: [symbol: "simulator"], errors: i == 2 ? ["QQQ: timed out"] : [], notes: [])
        try store.append(
            JournalEvent(
                time: time, kind: .equityMark, message: "equity",
                data: "{\"equity\":\(100_000 + [0, 300, -200, 100, 50][i % 5])}"))
    }
    return store
}

@Suite struct DashboardPageTests {
    @Test func escapesEverythingFromData() {
        var data = DashboardData(generatedAt: monday, storePath: "/tmp/<b>.sqlite")
        var panel = SymbolPanel(symbol: "<script>alert(1)</script>")
        panel.decision = "no trade: <script>x()</script> & \"quoted\""
        panel.decisionTime = monday
        panel.decisionKind = "no_trade"
        data.symbols = [panel]
        data.problems = ["cycles: <img src=x onerror=alert(2)>"]
        data.cycles = [
            CycleSummary(
                id: 1, startedAt: monday, status: "failed", seconds: 3, sources: "<i>src</i>", rows: 0,
                errors: ["<script>bad()</script>"])
        ]
        let html = DashboardPage.render(data)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<i>src"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&amp; &quot;quoted&quot;"))
        #expect(html.contains("/tmp/&lt;b&gt;.sqlite"))
    }

    @Test func emptyStoreRendersAClearState() {
        var data = DashboardData(generatedAt: monday, storePath: "data/x.sqlite")
        data.live = LiveState(
            gateway: "not connected to 127.0.0.1:4002: connection refused", connected: false,
            breakers: [(name: "ib", state: "open", lastError: "connection refused")], farms: [], ibCodes: [],
            killSwitch: false)
        let html = DashboardPage.render(data)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("data-state=\"empty\""))
        #expect(html.contains("data-state=\"gateway-down\""))
        #expect(html.contains("Equity: no data yet"))
        #expect(html.contains("No open positions"))
        #expect(html.contains("breaker <strong>ib</strong>"))
    }

    @Test func chartsAndTablesCarryTheNumbers() throws {
        var data = DashboardData(generatedAt: monday, storePath: "s")
        data.portfolio = try JSONDecoder().decode(
            PortfolioSummary.self,
            from: Data(
                """
                {"startingCash": 100000, "cash": 100120.5, "equity": 100050.25, "realizedPnL": 120.5,
                 "unrealizedPnL": -70.25, "openRisk": 380, "openPositions": 1, "closedTrades": 2, "winRate": 0.5,
                 "averageHoldHours": 3, "commissions": 4}
                """.utf8))
        data.equity = [100_000, 100_300, 99_900, 100_050.25].enumerated().map {
            EquityPoint(time: monday.addingTimeInterval(Double($0.offset) * 300), equity: $0.element)
        }
        data.closed = [
            ClosedTrade(
                id: 1, title: "IWM bull put spread", openedAt: monday, closedAt: monday, pnl: 200,
                exitReason: "take_profit"),
            ClosedTrade(
                id: 2, title: "IWM bear call spread", openedAt: monday, closedAt: monday, pnl: -79.5,
                exitReason: "stop_loss"),
        ]
        data.open = [
            OpenPosition(
                id: 3, title: "IWM bull put spread 20260417 190/185 x1", status: "open",
                legs: [
                    .init(action: "SELL", right: "P", strike: 190, expiry: "20260417", distanceFromSpot: 0.05),
                    .init(action: "BUY", right: "P", strike: 185, expiry: "20260417", distanceFromSpot: nil),
                ], entryCredit: 1.2, mark: 0.9, pnl: 30, daysToExpiry: 39, spot: 200,
                nearestExit: ExitProximity(rule: "take_profit", progress: 0.5, detail: "captured 0.30 of 0.60 target"))
        ]
        var panel = SymbolPanel(symbol: "IWM")
        panel.latest = UnderlyingSnapshot(
            symbol: "IWM", timestamp: monday, price: 200, vix: 18, trend: .neutral, ivRank: 42.25, atmIV: 0.2,
            source: .simulator)
        panel.history = [try #require(panel.latest)]
        panel.smileCalls = [.init(x: 195, y: 0.2, label: "195"), .init(x: 205, y: 0.18, label: "205")]
        panel.smilePuts = [.init(x: 195, y: 0.22, label: "195")]
        panel.term = [.init(x: 30, y: 0.2, label: "20260408"), .init(x: 45, y: 0.21, label: "20260423")]
        data.symbols = [panel]
        let html = DashboardPage.render(data)
        #expect(html.contains("data-field=\"equity\" data-value=\"100050.25\""))
        #expect(html.contains("data-field=\"open-positions\" data-value=\"1\""))
        #expect(html.contains("data-field=\"iv-rank\" data-value=\"42.2\"") || html.contains("data-value=\"42.3\""))
        for chart in ["equity", "trade-pnl", "iv-rank-IWM", "iv-vix-IWM", "trend-IWM", "smile-IWM", "term-IWM"] {
            #expect(html.contains("data-chart=\"\(chart)\""), "missing chart \(chart)")
        }
        #expect(html.contains("class=\"drawdown\""))
        #expect(html.contains("<rect class=\"bar down\""))
        #expect(html.contains("SELL P 190 20260417 (+5.0%)"))
        #expect(html.contains("take_profit 50%"))
        #expect(html.contains("data-table=\"open-positions\"") && html.contains("data-table=\"closed-trades\""))
        #expect(html.contains("100,050.25"))
        #expect(html.contains("Largest drawdown 400.00"))
    }

    @Test func coordinatesHaveOneDecimal() {
        #expect(SVGChart.f1(12.34) == "12.3" && SVGChart.f1(-0.06) == "-0.1" && SVGChart.f1(-0.04) == "0.0")
        #expect(SVGChart.f1(639.96) == "640.0" && SVGChart.f1(.nan) == "0")
    }

    @Test func moneyIsGroupedAndSigned() {
        #expect(DashboardPage.money(1_234_567.891) == "1,234,567.89")
        #expect(DashboardPage.money(-1234.5) == "-1,234.50")
        #expect(DashboardPage.money(-0.001) == "0.00")
        #expect(DashboardPage.money(999, cents: false) == "999")
    }

    @Test func nearestExitIsTheRuleClosestToItsTrigger() throws {
        let day = MarketCalendar().tradingDay(of: monday)
        let expiry = day.adding(days: 40)
        let position = PositionRecord(
            id: 1, symbol: "IWM", structure: .bullPutSpread, status: .open, openedAt: monday, quantity: 1,
            expiry: expiry,
            legs: [
                LegRecord(
                    action: .sell, contract: OptionContract(symbol: "IWM", expiry: expiry, strike: 190, right: .put)),
                LegRecord(
                    action: .buy, contract: OptionContract(symbol: "IWM", expiry: expiry, strike: 185, right: .put)),
            ], entryCredit: 1.0)
        // Debit 1.8 of a 2.0 stop: 90% of the way, nearer than anything else.
        let mark = PositionMark(debit: 1.8, naturalDebit: 1.9, shortDelta: 0.3, underlying: 197)
        let nearest = try #require(ExitProximity.nearest(position, mark: mark, today: day, rules: ExitRules()))
        #expect(nearest.rule == "stop_loss")
        #expect(abs(nearest.progress - 0.9) < 1e-9)
    }
}

@Suite struct DashboardDataTests {
    @Test func loadsFromARealStore() throws {
        let store = try populatedStore(cycles: 5)
        var config = PaperTraderConfig()
        config.collection.symbols = ["IWM", "QQQ"]
        let now = monday.addingTimeInterval(4 * 300 + 30)
        let data = DashboardData.load(store: store, config: config, now: now)
        #expect(data.problems.isEmpty, "\(data.problems)")
        #expect(data.cycles.count == 5 && data.cycles.first?.id == 5)
        #expect(data.cycles.first { $0.status == "partial" }?.errors == ["QQQ: timed out"])
        #expect(data.equity.map(\.equity) == [100_000, 100_300, 99_800, 100_100, 100_050])
        let iwm = try #require(data.symbols.first { $0.symbol == "IWM" })
        #expect(iwm.history.count == 5 && iwm.latest?.ivRank == 44)
        #expect(!iwm.smileCalls.isEmpty && !iwm.smilePuts.isEmpty)
        #expect(iwm.term.map(\.x) == [30, 45])
        let qqq = try #require(data.symbols.first { $0.symbol == "QQQ" })
        #expect(qqq.latest == nil && qqq.smileCalls.isEmpty)
        #expect(data.freshness.first { $0.symbol == "IWM" }?.lastCycle == 5)
        #expect(data.freshness.first { $0.symbol == "QQQ" }?.stale == true)
        #expect(data.portfolio?.equity == 100_000 && data.portfolio?.openPositions == 0)
        let html = DashboardPage.render(data)
        #expect(html.contains("data-chart=\"smile-IWM\"") && html.contains("<polyline"))
    }

    @Test func seriesAreSampledInTheStore() throws {
        let store = try populatedStore(cycles: 40)
        let series = try store.underlyingSeries(symbol: "IWM", maxPoints: 10)
        #expect(series.points.count == 11)
        #expect(series.points.first?.ivRank == 40 && series.points.last?.ivRank == 79)  // first and latest kept
        #expect(series.latestCycleID == 40)
        #expect(zip(series.points, series.points.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp })
        #expect(try store.underlyingSeries(symbol: "QQQ", maxPoints: 10).points.isEmpty)
        let equity = try store.equitySeries(maxPoints: 4)
        #expect(equity.count == 5)
        #expect(equity.first?.time == monday && equity.last?.time == monday.addingTimeInterval(39 * 300))
        // Fewer marks than points: every mark, once each.
        #expect(try store.equitySeries(maxPoints: 100).count == 40)
        #expect(try store.underlyingSeries(symbol: "IWM", maxPoints: 100).points.count == 40)
    }

    @Test func heldPositionsAreMarkedAgainstTheLatestChain() throws {
        let store = try populatedStore(cycles: 2)
        let day = MarketCalendar().tradingDay(of: monday)
        let expiry = day.adding(days: 30)
        _ = try store.insertPosition(
            PositionRecord(
                symbol: "IWM", structure: .bullPutSpread, status: .open, openedAt: monday, quantity: 1, expiry: expiry,
                legs: [
                    LegRecord(
                        action: .sell, contract: OptionContract(symbol: "IWM", expiry: expiry, strike: 188, right: .put)
                    ),
                    LegRecord(
                        action: .buy, contract: OptionContract(symbol: "IWM", expiry: expiry, strike: 184, right: .put)),
                ], entryCredit: 0.5, maxLoss: 350))
        try store.append(
            JournalEvent(time: monday, kind: .noTrade, symbol: "IWM", message: "IV rank 40.0 below 30 <min>"))
        var config = PaperTraderConfig()
        config.collection.symbols = ["IWM"]
        let data = DashboardData.load(store: store, config: config, now: monday.addingTimeInterval(400))
        let open = try #require(data.open.first)
        #expect(open.mark == 0)  // both legs mid 1.05: the spread is worth nothing
        #expect(open.pnl == 50)
        #expect(open.daysToExpiry == 30)
        #expect(abs((open.legs[0].distanceFromSpot ?? 0) - 0.06) < 1e-9)
        #expect(open.nearestExit != nil)
        #expect(data.portfolio?.openPositions == 1 && data.portfolio?.openRisk == 350)
        #expect(data.symbols.first?.decision == "IV rank 40.0 below 30 <min>")
        #expect(DashboardPage.render(data).contains("IV rank 40.0 below 30 &lt;min&gt;"))
    }
}

/// `GET /` through the service's router (HummingbirdTesting, no socket).
func rootPage(_ rt: Runtime) async throws -> HTTPReply {
    let app = Application(router: ServiceAPI.router(rt), logger: quiet)
    let page = Mutex(HTTPReply(status: 0, body: ""))
    try await app.test(.router) { client in
        try await client.execute(uri: "/", method: .get) { r in
            page.withLock {
                $0 = HTTPReply(
                    status: Int(r.status.code), contentType: r.headers[.contentType] ?? "", body: String(buffer: r.body)
                )
            }
        }
    }
    return page.withLock { $0 }
}

@Suite(.serialized) struct DashboardRouteTests {
    @Test func rootServesThePageOfTheRunningService() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            let (cycle, pictures) = try await rt.collector.collectCycle()
            _ = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            let reply = try await rootPage(rt)
            #expect(reply.status == 200 && reply.contentType == "text/html; charset=utf-8")
            let summary = try await rt.trader.summary()
            #expect(reply.body.contains(String(format: "data-field=\"equity\" data-value=\"%.2f\"", summary.equity)))
            #expect(reply.body.contains("data-field=\"open-positions\" data-value=\"\(summary.openPositions)\""))
            #expect(reply.body.contains("data-chart=\"smile-IWM\"") && reply.body.contains("data-table=\"cycles\""))
            #expect(reply.body.contains("data-field=\"gateway\" class=\"up\""))
            // With a position held, the risk heat map: the open book's P&L by spot move and IV shift.
            if summary.openPositions > 0 {
                #expect(reply.body.contains("data-table=\"scenarios-now\"") && reply.body.contains("class=\"heat\""))
            }
            #expect(!reply.body.contains("data-state=\"problem\""))
        }
    }

    @Test func aStoppedGatewayAndAnEmptyStoreShowAState() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dash-down-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let yaml = """
            gateway:
              port: 1
              connect_timeout_seconds: 0.2
            collection:
              symbols: [IWM]
            storage:
              path: \(dir.path)/db.sqlite
            """
        let options = RuntimeOptions(loaded: try ConfigLoader.load(text: yaml, source: "down.yaml"), simulator: false)
        try await OrchestratorRuntime.with(options, logger: quiet) { rt in
            let reply = try await rootPage(rt)
            #expect(reply.status == 200)
            #expect(reply.body.contains("data-state=\"empty\""))
            #expect(reply.body.contains("data-state=\"gateway-down\""))
            #expect(reply.body.contains("not connected to 127.0.0.1:1"))
        }
    }
}
