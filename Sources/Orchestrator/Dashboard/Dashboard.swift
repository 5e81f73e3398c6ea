import AppConfig
import Foundation
import MarketData
import SnapshotStore
import TWSClient
import Trading

/// The dashboard at `/`: the running service's book, positions, market pictures and collection as
/// one HTML page (`DashboardData.load` then `DashboardPage.render`).
public enum Dashboard {
    /// The page for the running service; a store or trader that cannot be read shows as a state on the
    /// page, never as an error page.
    public static func page(_ rt: Runtime) async -> HTTPReply {
        HTTPReply(status: 200, contentType: "text/html; charset=utf-8", body: DashboardPage.render(await data(rt)))
    }

    /// What the page shows, from the running service's live objects and its store.
    public static func data(_ rt: Runtime) async -> DashboardData {
        // From state: never a gateway round trip, like /health.
        let now = rt.marketClock.now(speed: rt.speed) ?? Date()
        var problems: [String] = []
        var portfolio: PortfolioSummary?
        do {
            portfolio = try await rt.trader.summary()
        } catch {
            problems.append("portfolio: \(error)")
        }
        let marks = await rt.trader.currentMarks
        var data = DashboardData.load(
            store: rt.store, config: rt.config, now: now, portfolio: portfolio, marks: marks, live: live(rt))
        data.problems = problems + data.problems
        return data
    }

    /// The gateway connection, breakers, farms and latest IB codes of the running service.
    static func live(_ rt: Runtime) -> LiveState {
        let host = "\(rt.client.configuration.host):\(rt.client.configuration.port)"
        let gateway: String
        if let info = rt.client.connectionInfo {
            gateway =
                "connected to \(host): server version \(info.serverVersion), accounts \(info.accounts.joined(separator: ", "))"
        } else {
            gateway = "not connected to \(host)\(rt.client.lastError.map { ": \($0)" } ?? "")"
        }
        let status = rt.client.status
        return LiveState(
            gateway: gateway, connected: rt.client.connectionInfo != nil,
            breakers: rt.fetcher.breakers.sorted { $0.key < $1.key }.map {
                (name: $0.key, state: $0.value.currentState.rawValue, lastError: $0.value.lastError)
            },
            farms: status.farms.sorted { $0.key < $1.key }.map { (name: $0.key, ok: $0.value) },
            ibCodes: IBCodeLog.shared.latest, killSwitch: rt.killSwitchOn())
    }

    /// Renders pages from a store alone (no running service): the benchmark's subject, and a page for
    /// a store no `run` serves.
    public final class StoredRenderer: Sendable {
        let store: SQLiteStore
        let config: PaperTraderConfig

        /// Opens the store at `path` read-only.
        public init(path: String, config: PaperTraderConfig) throws {
            store = try SQLiteStore(path: path, readOnly: true)
            self.config = config
        }

        /// One page at market time `now` (the latest stored cycle's time when nil), with the rows it read.
        public func render(now: Date? = nil) throws -> (html: String, rowsRead: [String: Int]) {
            let at = try now ?? store.cycles(limit: 1).first?.finishedAt ?? Date()
            let data = DashboardData.load(store: store, config: config, now: at)
            return (DashboardPage.render(data), data.rowsRead)
        }
    }
}
