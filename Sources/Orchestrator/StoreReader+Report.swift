import AppConfig
import SnapshotStore
import Trading

extension StoreReader {
    /// `report`: positions, orders, fills and P&L, from the starting cash the journal recorded (the
    /// configuration's when it recorded none).
    public func tradingReport(config: PaperTraderConfig) throws -> TradingReport {
        try TradingReport.build(
            store: store,
            startingCash: try TradingEngine.recordedStartingCash(store) ?? config.execution.startingCash)
    }
}
