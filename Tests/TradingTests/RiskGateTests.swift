import Foundation
import MarketData
import OptionsModel
import SnapshotStore
import Synchronization
import Testing

@testable import Trading

/// A venue whose margin preview is scripted; it fills every order at the legs' mids.
final class PreviewVenue: ExecutionVenue {
    let kind = VenueKind.ibPaper
    private let state = Mutex((preview: MarginPreview?.none, fails: false, executed: 0, previews: 0))

    init(_ preview: MarginPreview?, fails: Bool = false) {
        state.withLock {
            $0.preview = preview
            $0.fails = fails
        }
    }

    var executed: Int { state.withLock { $0.executed } }
    var previews: Int { state.withLock { $0.previews } }

    func marginPreview(_ ticket: OrderTicket, limit: Double) async throws -> MarginPreview? {
        let (preview, fails) = state.withLock { s in
            s.previews += 1
            return (s.preview, s.fails)
        }
        if fails { throw VenueError.notSent("what-if rejected") }
        return preview
    }

    func execute(_ ticket: OrderTicket, pricing: PricingPolicy, now: Date) async throws -> VenueResult {
        state.withLock { $0.executed += 1 }
        let fills = ScriptedVenue.fills(ticket, units: ticket.quantity, at: now)
        let (u, net) = VenueResult.units(of: fills, legs: ticket.legs)
        return VenueResult(status: .filled, filledQuantity: u, netPrice: net, fills: fills, venueOrderId: 9)
    }

    func executeShares(_ order: ShareOrder, pricing: PricingPolicy, now: Date) async throws -> VenueResult {
        VenueResult(status: .rejected)
    }
    func lookup(orderRef: String) async throws -> VenueOrderState { .unknown }
    func cancel(orderRef: String) async throws {}
    func accountState() async throws -> VenueAccountState? { nil }
}

/// The odds of an entry against hand calculations, and every book gate refusing with its limit.
@Suite struct RiskGateTests {
    let april = Expiry(year: 2026, month: 4, day: 17)!

    /// A 1-lot bull put spread 500/495 for 1.50 at spot 510 (short put IV 20%).
    func spread(odds: CandidateOdds? = nil, greeks: BookGreeks? = nil) -> TradeCandidate {
        let short = riskRow("SPY", april, 500, .put, delta: -0.25, gamma: 0.02, theta: -0.15, vega: 0.5, spot: 510)
        let long = riskRow("SPY", april, 495, .put, delta: -0.18, gamma: 0.015, theta: -0.12, vega: 0.4, spot: 510)
        return TradeCandidate(
            symbol: "SPY", structure: .bullPutSpread, expiry: april,
            legs: [StructureLeg(action: .sell, option: short), StructureLeg(action: .buy, option: long)], credit: 1.50,
            width: 5, quantity: 1, odds: odds, greeks: greeks)
    }

    func odds(pop: Double) -> CandidateOdds {
        CandidateOdds(
            pop: pop, touch: 0.5, expectedMove: 10, creditToMaxLoss: 0.43, shortDelta: 0.25, ivRank: 45, spot: 510,
            years: 0.12)
    }

    @Test func probabilityAboveIsNOfD2() {
        // S 100, level 94, 20% vol, a quarter year, no rate: d2 = (ln(100/94) - 0.005) / 0.1 = 0.56875.
        let p = CandidateOdds.probabilityAbove(94, spot: 100, sigma: 0.2, years: 0.25, rate: 0)
        #expect(abs(p - 0.7152384646998369) < 1e-9)
    }

    @Test func popTouchExpectedMoveAndCreditRatioOfASpread() {
        var c = spread()
        c.legs[0].option.greeks.impliedVolatility = 0.20
        let rows = [
            riskRow("SPY", april, 510, .call, delta: 0.5, gamma: 0, theta: 0, vega: 0, mid: 8, spot: 510),
            riskRow("SPY", april, 510, .put, delta: -0.5, gamma: 0, theta: 0, vega: 0, mid: 7, spot: 510),
            riskRow("SPY", april, 500, .call, delta: 0.6, gamma: 0, theta: 0, vega: 0, mid: 14, spot: 510),
        ]
        let chain = ChainSnapshot(
            symbol: "SPY", timestamp: now, underlyingPrice: 510, options: rows, source: .simulator)
        let o = CandidateOdds.evaluate(c, spot: 510, chain: chain, ivRank: 45, now: now, rate: 0.04)
        // Python: T = 44.1875 / 365; P(S_T > 498.50) = N(d2) = 0.64153; touch = 2 x P(S_T < 500) = 0.74945.
        #expect(abs(o.pop - 0.6415257212062117) < 1e-9)
        #expect(abs(o.touch - 0.7494503626817506) < 1e-9)
        #expect(o.expectedMove == 15)  // the 510 straddle: 8 + 7
        #expect(abs(o.creditToMaxLoss - 1.5 / 3.5) < 1e-12)
        #expect(o.shortDelta == 0.25)
    }

    @Test func minimumPOPRefuses() {
        let gates = RiskCheck.gates(
            for: spread(odds: odds(pop: 0.40)), book: BookState(), limits: RiskLimits(), now: now)
        #expect(gates.last?.passed == false)
        #expect(gates.last?.refusal == "probability of profit 40% below risk.min_pop 45%")
    }

    @Test func betaWeightedDeltaBandRefuses() {
        var book = BookState()
        book.greeks.betaWeightedDelta = 240
        let c = spread(
            odds: odds(pop: 0.7), greeks: BookGreeks(delta: 7, gamma: 0, theta: 0, vega: 0, betaWeightedDelta: 20))
        let refusal = RiskCheck.refusal(for: c, book: book, limits: RiskLimits(), now: now)
        #expect(refusal?.contains("beta-weighted delta +260.0 SPY shares") == true)
        #expect(refusal?.contains("risk.beta_weighted_delta_min..max -250..250") == true)
    }

    @Test func vegaRefuses() {
        var book = BookState()
        book.greeks.vega = -990
        let c = spread(
            odds: odds(pop: 0.7), greeks: BookGreeks(delta: 0, gamma: 0, theta: 0, vega: -20, betaWeightedDelta: 0))
        let refusal = RiskCheck.refusal(for: c, book: book, limits: RiskLimits(), now: now)
        #expect(refusal == "vega -1010.00 per vol point with this trade beyond risk.max_vega 1000.00")
    }

    @Test func negativeGammaRefuses() {
        var book = BookState()
        book.greeks.gamma = -99.5
        let c = spread(
            odds: odds(pop: 0.7), greeks: BookGreeks(delta: 0, gamma: -1, theta: 0, vega: 0, betaWeightedDelta: 0))
        let refusal = RiskCheck.refusal(for: c, book: book, limits: RiskLimits(), now: now)
        #expect(refusal == "gamma -100.500 shares per $1 with this trade beyond risk.max_negative_gamma 100.000")
    }

    @Test func netLiquidationAtRiskTightensAsVIXRises() {
        var book = BookState(open: [BookPosition(symbol: "QQQ", expiry: april, maxLoss: 500, spans: [:])])
        book.netLiquidation = 10_000
        book.vix = 18
        let c = spread(odds: odds(pop: 0.7))
        // 850 of 10,000 = 8.5%: inside the 10% band below VIX 25 ...
        #expect(RiskCheck.refusal(for: c, book: book, limits: RiskLimits(), now: now) == nil)
        // ... beyond the 6% band from VIX 25.
        book.vix = 30
        let refusal = RiskCheck.refusal(for: c, book: book, limits: RiskLimits(), now: now)
        #expect(
            refusal
                == "max loss 850.00 would be 8.50% of net liquidation 10000.00, above risk.max_nlv_at_risk_by_vix 6% from VIX 25 (VIX 30.00)"
        )
    }

    @Test func regTMarginRefusesInsideTheReserve() {
        var book = BookState()
        book.netLiquidation = 10_000
        book.heldMargin = 9_000
        let refusal = RiskCheck.refusal(for: spread(odds: odds(pop: 0.7)), book: book, limits: RiskLimits(), now: now)
        #expect(refusal == "initial margin 500.00 exceeds available funds 1000.00 less risk.margin_reserve 1000.00")
    }

    @Test func vixBandTableParses() {
        #expect(
            VIXBand.parseTable("0:0.10, 25:0.06") == [
                VIXBand(fromVIX: 0, maxShare: 0.1), VIXBand(fromVIX: 25, maxShare: 0.06),
            ])
        #expect(VIXBand.parseTable("25:0.06, 0:0.10") == nil)
        #expect(VIXBand.parseTable("0:1.5") == nil)
        #expect(VIXBand.parseTable("") == nil)
    }

    // MARK: The engine

    func engine(_ venue: any ExecutionVenue, limits: (inout RiskLimits) -> Void = { _ in }) -> (
        TradingEngine, InMemoryTradingJournal
    ) {
        var s = TradingSettings()
        limits(&s.limits)
        let journal = InMemoryTradingJournal()
        return (TradingEngine(journal: journal, venue: venue, settings: s), journal)
    }

    @Test func theVenuesMarginPreviewRefusesBeforeAnyOrderAndIsJournaled() async throws {
        let venue = PreviewVenue(
            MarginPreview(
                initialMarginChange: 500, maintenanceMarginChange: 500, availableFunds: 1_200, commission: 1.3,
                source: "ib_whatif"))
        let (e, journal) = engine(venue)
        let report = await e.onCycle(pictures: [picture(chain())], now: now)
        #expect(report.opened.isEmpty && venue.previews == 1 && venue.executed == 0)
        #expect(
            report.noTrade["SPY"]
                == "margin: initial margin change 500.00 exceeds available funds 1200.00 less risk.margin_reserve 1000.00"
        )
        #expect(try journal.positions(status: nil).isEmpty)
        let margin = try #require(try journal.recentEvents(limit: 5, kind: .marginCheck).first)
        #expect(margin.data?.contains("\"initial_margin_change\":500.00") == true)
        #expect(margin.data?.contains("\"source\":\"ib_whatif\"") == true)
        #expect(
            try journal.recentEvents(limit: 5, kind: .riskRefused).first?.message.contains("risk.margin_reserve")
                == true)
    }

    @Test func aFailedWhatIfRefusesTheEntry() async throws {
        let venue = PreviewVenue(nil, fails: true)
        let (e, _) = engine(venue)
        let report = await e.onCycle(pictures: [picture(chain())], now: now)
        #expect(report.opened.isEmpty && venue.executed == 0)
        #expect(report.noTrade["SPY"]?.hasPrefix("margin: the what-if order failed") == true)
    }

    @Test func withoutAPreviewRegTIsJournaledAndTheOddsGoWithTheOpenedPosition() async throws {
        let venue = PreviewVenue(nil)
        let (e, journal) = engine(venue)
        let report = await e.onCycle(pictures: [picture(chain())], now: now)
        let id = try #require(report.opened.first, "\(report)")
        let margin = try #require(try journal.recentEvents(limit: 5, kind: .marginCheck).first)
        #expect(margin.data?.contains("\"initial_margin_change\":500.00") == true)
        #expect(margin.data?.contains("\"source\":\"reg_t\"") == true)
        let opened = try #require(try journal.recentEvents(limit: 5, kind: .positionOpened).first)
        #expect(opened.message.contains("POP ") && opened.message.contains("credit/max loss"))
        #expect(TradingEngine.number(opened.data, "position") == Double(id))
        let pop = try #require(TradingEngine.number(opened.data, "pop"))
        #expect(pop > 0.45 && pop < 1)
    }

    @Test func explainShowsTheOddsAndTheBookGates() async throws {
        let (e, _) = engine(PreviewVenue(nil))
        let explanation = try await e.explain(picture(chain()), now: now, killSwitch: false)
        let c = try #require(explanation.candidate)
        #expect(c.odds != nil && c.greeks != nil)
        #expect(explanation.verdict.contains("POP "))
        let names = explanation.risk.map(\.gate.name)
        for gate in [
            "probability of profit", "beta-weighted delta", "vega", "negative gamma", "net liquidation at risk",
            "margin (Reg-T)",
        ] {
            #expect(names.contains(gate), "\(names)")
        }
    }

    @Test func engineRefusesOnMinimumPOPNamingTheLimit() async throws {
        let (e, journal) = engine(PreviewVenue(nil)) { $0.minPOP = 0.99 }
        let report = await e.onCycle(pictures: [picture(chain())], now: now)
        #expect(report.opened.isEmpty)
        #expect(report.noTrade["SPY"]?.contains("below risk.min_pop 99%") == true)
        #expect(try journal.recentEvents(limit: 5, kind: .riskRefused).first?.message.contains("risk.min_pop") == true)
    }
}
