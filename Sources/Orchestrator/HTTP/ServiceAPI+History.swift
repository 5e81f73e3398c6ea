import Foundation
import Hummingbird
import OptionsModel
import SnapshotStore

/// The history routes, reading what the store holds: `GET /api/symbols` (per symbol: first and last
/// snapshot time, option, underlying, bar and IV-day counts), `GET /api/bars/{symbol}[?from=&to=]`
/// (stored daily bars, `YYYY-MM-DD`, the latest 5000 at most) and `GET /api/iv/{symbol}[?days=N]`
/// (the latest N stored days of daily ATM IV, 1-3650, default 252). An unknown symbol is a 404.
extension ServiceAPI {
    /// The most bars one `/api/bars` reply carries (about 20 years of trading days).
    static let maximumBars = 5000

    static func addHistoryRoutes(_ routes: APIRoutes, _ rt: Runtime) {
        routes.get("/api/symbols") { _, _ in
            HTTPReply(status: 200, body: try json(try rt.store.storedSymbols()))
        }
        routes.get("/api/bars/{symbol}") { request, context in
            let symbol = try symbolParameter(context)
            let from = try dayParameter(request, "from")
            let to = try dayParameter(request, "to")
            if let from, let to, from > to {
                throw BadParameter(message: "from (\(from.iso)) is after to (\(to.iso))")
            }
            guard try rt.store.storesSymbol(symbol) else { return .error(404, "nothing stored for \(symbol)") }
            let bars = try rt.store.dailyBars(symbol: symbol, from: from, to: to, limit: maximumBars)
            return HTTPReply(
                status: 200,
                body: try json(BarsReply(symbol: symbol, from: from?.iso, to: to?.iso, bars: bars.map(DayBar.init))))
        }
        routes.get("/api/iv/{symbol}") { request, context in
            let symbol = try symbolParameter(context)
            let days = try daysParameter(request)
            guard try rt.store.storesSymbol(symbol) else { return .error(404, "nothing stored for \(symbol)") }
            let history = try rt.store.latestIVHistory(symbol: symbol, days: days)
            let reply = IVReply(
                symbol: symbol, days: days,
                points: history.points.map { IVDay(date: $0.day.iso, atmIV: $0.atmIV) },
                min: history.min, max: history.max, average: history.average)
            return HTTPReply(status: 200, body: try json(reply))
        }
    }

    /// Query parameter `name` as a day (`YYYY-MM-DD`); nil when absent, a 400 when malformed.
    static func dayParameter(_ request: Request, _ name: String) throws -> TradingDay? {
        guard let text = request.query(name) else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.map(\.count) == [4, 2, 2], let day = TradingDay(text) else {
            throw BadParameter(message: "\(name) must be a date YYYY-MM-DD, got '\(text)'")
        }
        return day
    }

    /// `?days=N`, 1-3650, default 252 (a trading year).
    static func daysParameter(_ request: Request) throws -> Int {
        guard let text = request.query("days") else { return 252 }
        guard let n = Int(text), (1...3650).contains(n) else {
            throw BadParameter(message: "days must be an integer from 1 to 3650, got '\(text)'")
        }
        return n
    }

    struct BarsReply: Encodable {
        var symbol: String
        var from: String?
        var to: String?
        var bars: [DayBar]
    }

    /// A bar with its day as `YYYY-MM-DD` (the store's and pandas' format).
    struct DayBar: Encodable {
        var date: String
        var open: Double
        var high: Double
        var low: Double
        var close: Double
        var volume: Double?

        init(_ bar: Bar) {
            date = bar.day.iso
            open = bar.open
            high = bar.high
            low = bar.low
            close = bar.close
            volume = bar.volume
        }
    }

    struct IVReply: Encodable {
        var symbol: String
        var days: Int
        var points: [IVDay]
        var min: Double?
        var max: Double?
        var average: Double?
    }

    struct IVDay: Encodable {
        var date: String
        var atmIV: Double
    }
}
