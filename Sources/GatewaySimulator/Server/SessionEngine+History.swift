import Foundation
import TWSWire

extension SessionEngine {
    // MARK: History

    mutating func historical(_ m: TWSReqHistoricalData, now: Date, real: Double) -> SessionOutput {
        var out = SessionOutput()
        if faults.historicalFarmDown {
            out.messages.append(
                error(
                    m.reqId, 162, "Historical Market Data Service error message:HMDS query returned no data", now: now))
            return out
        }
        if faults.refuseHistoricalWithPacing > 0 {
            faults.refuseHistoricalWithPacing -= 1
            out.messages.append(
                error(
                    m.reqId, 162,
                    "Historical Market Data Service error message:Historical data request pacing violation",
                    now: now))
            return out
        }
        let key =
            "\(m.contract.conId)|\(m.contract.symbol)|\(m.contract.secType)|\(m.endDateTime)|\(m.durationStr)|\(m.barSizeSetting)|\(m.whatToShow)"
        let contractKey = "\(m.contract.conId)|\(m.contract.symbol)|\(m.contract.secType)|\(m.whatToShow)"
        if let violation = historicalPacer.admit(key: key, contractKey: contractKey, at: real) {
            out.messages.append(
                error(m.reqId, 162, "Historical Market Data Service error message:\(violation)", now: now))
            return out
        }
        guard let contract = resolve(m.contract, now: now) else {
            out.messages.append(error(m.reqId, 200, "No security definition has been found for the request", now: now))
            return out
        }
        guard m.barSizeSetting.trimmingCharacters(in: .whitespaces) == "1 day" else {
            out.messages.append(
                error(
                    m.reqId, 162, "Historical Market Data Service error message:only '1 day' bars are simulated",
                    now: now))
            return out
        }
        guard let days = Self.tradingDays(in: m.durationStr) else {
            out.messages.append(
                error(
                    m.reqId, 321, "Error validating request.-'bP' : cause - Invalid duration string \(m.durationStr)",
                    now: now))
            return out
        }
        let bars: [TWSBar]
        switch m.whatToShow.uppercased() {
        case "OPTION_IMPLIED_VOLATILITY" where contract.secType == TWSSecurityType.stock.rawValue:
            bars = market.impliedVolatilityBars(for: contract, endingAt: now, count: days)
        default:
            bars = market.dailyBars(for: contract, endingAt: now, count: days)
        }
        var data = TWSHistoricalData()
        data.reqId = m.reqId
        data.bars = bars
        let end = Self.timestamp(now)
        let start = bars.first.map { $0.date + "  00:00:00" } ?? end
        data.startDateStr = start
        data.endDateStr = end
        out.messages.append(.historicalData(data))
        if serverVersion >= TWSServerVersion.historicalDataEnd {
            var endMessage = TWSHistoricalDataEnd()
            endMessage.reqId = m.reqId
            endMessage.startDateStr = start
            endMessage.endDateStr = end
            out.messages.append(.historicalDataEnd(endMessage))
        }
        return out
    }

    /// Trading days in an IB duration string (`200 D`, `4 W`, `6 M`, `1 Y`).
    static func tradingDays(in duration: String) -> Int? {
        let parts = duration.split(separator: " ")
        guard parts.count == 2, let n = Int(parts[0]), n > 0 else { return nil }
        switch parts[1].uppercased() {
        case "D": return n
        case "W": return n * 5
        case "M": return n * 21
        case "Y": return n * 252
        default: return nil
        }
    }

    static func timestamp(_ date: Date) -> String { NewYorkTime.format(date, "yyyyMMdd  HH:mm:ss") }
}
