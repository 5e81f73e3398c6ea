import Foundation
import TWSWire

extension SessionEngine {
    // MARK: Account

    /// ibapi's `AccountSummaryTags` spells two tags `ReqT...`; they are answered under the spelling asked.
    static let summaryTagAliases = ["ReqTEquity": "RegTEquity", "ReqTMargin": "RegTMargin"]

    /// The ledger currencies a `$LEDGER` tag asks for: `$LEDGER` base only, `$LEDGER:ALL` base and every
    /// currency, `$LEDGER:USD` one currency.
    static func ledgerCurrencies(_ tags: [String]) -> [String] {
        var currencies: [String] = []
        for tag in tags where tag.uppercased().hasPrefix("$LEDGER") {
            let suffix = tag.uppercased().dropFirst("$LEDGER".count)
            let wanted: [String] =
                switch suffix {
                case "": ["BASE"]
                case ":ALL": ["BASE", "USD"]
                default: [String(suffix.dropFirst())]
                }
            for c in wanted where !currencies.contains(c) { currencies.append(c) }
        }
        return currencies
    }

    func accountSummary(_ m: TWSReqAccountSummary, now: Date) -> SessionOutput {
        var out = SessionOutput()
        let tags = m.tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var asked: [String: String] = [:]
        for tag in tags { asked[Self.summaryTagAliases[tag] ?? tag, default: tag] = tag }
        let ledgerCurrencies = Self.ledgerCurrencies(tags)
        var rows = account.accountValues(at: now).compactMap { v -> SimAccountValue? in
            guard let spelling = asked[v.tag] else { return nil }
            var row = v
            row.tag = spelling
            return row
        }
        if !ledgerCurrencies.isEmpty { rows += account.ledger(at: now, currencies: ledgerCurrencies) }
        for v in rows where m.groupName.isEmpty || m.groupName == "All" || m.groupName == v.account {
            var s = TWSAccountSummary()
            s.reqId = m.reqId
            s.account = v.account
            s.tag = v.tag
            s.value = v.value
            s.currency = v.currency
            out.messages.append(.accountSummary(s))
        }
        out.messages.append(.accountSummaryEnd(.init(reqId: m.reqId)))
        return out
    }

    func accountUpdates(account code: String, now: Date) -> SessionOutput {
        var out = SessionOutput()
        let name = code.isEmpty ? (account.accounts.first ?? "") : code
        for v in account.accountUpdateValues(at: now) where v.account == name {
            var value = TWSAccountValue()
            value.key = v.tag
            value.val = v.value
            value.currency = v.currency
            value.accountName = v.account
            out.messages.append(.accountValue(value))
        }
        for p in account.portfolio(at: now) where p.accountName == name {
            out.messages.append(.portfolioValue(p))
        }
        var time = TWSAccountUpdateTime()
        time.timeStamp = NewYorkTime.format(now, "HH:mm")
        out.messages.append(.accountUpdateTime(time))
        var end = TWSAccountDownloadEnd()
        end.accountName = name
        out.messages.append(.accountDownloadEnd(end))
        return out
    }

    func executions(_ m: TWSReqExecutions) -> SessionOutput {
        var out = SessionOutput()
        let f = m.execFilter
        for (details, commission) in account.executions() {
            // A client sees its own executions; the master client sees everyone's.
            if clientId != account.masterClientId && details.execution.clientId != clientId { continue }
            if f.clientId != 0 && details.execution.clientId != f.clientId { continue }
            if !f.acctCode.isEmpty && details.execution.acctNumber != f.acctCode { continue }
            if !f.symbol.isEmpty && details.contract.symbol != f.symbol { continue }
            if !f.secType.isEmpty && details.contract.secType != f.secType { continue }
            if !f.side.isEmpty && !details.execution.side.hasPrefix(f.side.prefix(1)) { continue }
            var copy = details
            copy.reqId = m.reqId
            out.messages.append(.execDetails(copy))
            var report = TWSCommissionReportMessage()
            report.report = commission
            out.messages.append(.commissionAndFeesReport(report))
        }
        out.messages.append(.execDetailsEnd(.init(reqId: m.reqId)))
        return out
    }
}
