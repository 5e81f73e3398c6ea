import Foundation
import OptionsModel
import TWSWire

extension SessionEngine {
    // MARK: History

    mutating func historical(_ m: TWSReqHistoricalData, now: Date, real: Double) -> SessionOutput {
        var out = SessionOutput()
        if faults.historicalFarmDown {
            out.messages.append(
                error(
                    m.reqId, .historicalPacing,
                    "Historical Market Data Service error message:HMDS query returned no data", now: now))
            return out
        }
        if faults.refuseHistoricalWithPacing > 0 {
            faults.refuseHistoricalWithPacing -= 1
            out.messages.append(
                error(
                    m.reqId, .historicalPacing,
                    "Historical Market Data Service error message:Historical data request pacing violation",
                    now: now))
            return out
        }
        let key =
            "\(m.contract.conId)|\(m.contract.symbol)|\(m.contract.secType)|\(m.endDateTime)|\(m.durationStr)|\(m.barSizeSetting)|\(m.whatToShow)"
        let contractKey = "\(m.contract.conId)|\(m.contract.symbol)|\(m.contract.secType)|\(m.whatToShow)"
        if let violation = historicalPacer.admit(key: key, contractKey: contractKey, at: real) {
            out.messages.append(
                error(m.reqId, .historicalPacing, "Historical Market Data Service error message:\(violation)", now: now)
            )
            return out
        }
        guard let contract = resolve(m.contract, now: now) else {
            out.messages.append(
                error(m.reqId, .noSecurityDefinition, "No security definition has been found for the request", now: now)
            )
            return out
        }
        guard let barSeconds = MarketPort.barSeconds(m.barSizeSetting) else {
            out.messages.append(
                error(
                    m.reqId, .historicalPacing,
                    "Historical Market Data Service error message:bar size '\(m.barSizeSetting)' is not simulated "
                        + "(1, 2, 3, 5, 10, 15, 20, 30 mins; 1, 2, 3, 4, 8 hours; 1 day)",
                    now: now))
            return out
        }
        guard let show = MarketPort.Show(rawValue: m.whatToShow.uppercased()) else {
            out.messages.append(
                error(
                    m.reqId, .historicalPacing,
                    "Historical Market Data Service error message:whatToShow '\(m.whatToShow)' is not simulated",
                    now: now))
            return out
        }
        guard let end = Self.endDate(m.endDateTime, now: now) else {
            out.messages.append(
                error(
                    m.reqId, .validationError,
                    "Error validating request.-'bP' : cause - Invalid end date/time \(m.endDateTime)", now: now))
            return out
        }
        guard let days = Self.tradingDays(in: m.durationStr) else {
            out.messages.append(
                error(
                    m.reqId, .validationError,
                    "Error validating request.-'bP' : cause - Invalid duration string \(m.durationStr)",
                    now: now))
            return out
        }
        let bars: [TWSBar]
        if barSeconds >= 86_400 && show == .trades && contract.secType != TWSSecurityType.option.rawValue {
            bars = market.dailyBars(for: contract, endingAt: end, count: days)
        } else {
            // At most 10,000 bars a request, as IB caps what one request may return.
            let maxDays = max(1, 10_000 * barSeconds / 23_400)
            bars = market.bars(
                for: contract, show: show, barSeconds: barSeconds, days: min(days, maxDays), endingAt: end,
                epochDates: m.formatDate == 2 && barSeconds < 86_400)
        }
        var data = TWSHistoricalData()
        data.reqId = m.reqId
        data.bars = bars
        let endText = Self.timestamp(end)
        let start =
            barSeconds >= 86_400 ? bars.first.map { $0.date + "  00:00:00" } ?? endText : bars.first?.date ?? endText
        data.startDateStr = start
        data.endDateStr = endText
        out.messages.append(.historicalData(data))
        if serverVersion >= TWSServerVersion.historicalDataEnd {
            var endMessage = TWSHistoricalDataEnd()
            endMessage.reqId = m.reqId
            endMessage.startDateStr = start
            endMessage.endDateStr = endText
            out.messages.append(.historicalDataEnd(endMessage))
        }
        return out
    }

    /// The end of a historical request: now for an empty endDateTime, else `yyyyMMdd HH:mm:ss` in New
    /// York (a zone name after it is accepted) or `yyyyMMdd-HH:mm:ss` in UTC; nil when unreadable.
    static func endDate(_ text: String, now: Date) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return now }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        if trimmed.count >= 17, trimmed[trimmed.index(trimmed.startIndex, offsetBy: 8)] == "-" {
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd-HH:mm:ss"
        } else {
            formatter.timeZone = MarketCalendar().timeZone
            formatter.dateFormat = "yyyyMMdd HH:mm:ss"
        }
        return formatter.date(from: String(trimmed.prefix(17))).map { min($0, now) }
    }

    /// Trading days in an IB duration string (`3600 S`, `200 D`, `4 W`, `6 M`, `1 Y`); seconds count
    /// regular sessions of 6.5 hours.
    static func tradingDays(in duration: String) -> Int? {
        let parts = duration.split(separator: " ")
        guard parts.count == 2, let n = Int(parts[0]), n > 0 else { return nil }
        switch parts[1].uppercased() {
        case "S": return max(1, (n + 23_399) / 23_400)
        case "D": return n
        case "W": return n * 5
        case "M": return n * 21
        case "Y": return n * 252
        default: return nil
        }
    }

    static func timestamp(_ date: Date) -> String { NewYorkTime.format(date, "yyyyMMdd  HH:mm:ss") }
}
