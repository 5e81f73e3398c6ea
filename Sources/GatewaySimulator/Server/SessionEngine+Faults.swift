import Foundation
import TWSWire

extension SessionEngine {
    // MARK: Periodic work

    /// Streams changed quotes, runs due scripted actions and lets the account fill orders.
    mutating func tick(now: Date, real: Double) -> SessionOutput {
        var out = SessionOutput()
        let due = pending.filter { $0.due <= real }
        pending.removeAll { $0.due <= real }
        for item in due {
            switch item.action {
            case .restoreConnectivity(let dataLost):
                faults.connectivityLost = false
                if dataLost {
                    out.messages.append(
                        notice(
                            .connectivityRestoredDataLost,
                            "Connectivity between IB and Trader Workstation has been restored - data lost.",
                            now: now))
                    subscriptions = [:]
                } else {
                    out.messages.append(
                        notice(
                            .connectivityRestored,
                            "Connectivity between IB and Trader Workstation has been restored - data maintained.",
                            now: now))
                }
            case .farmRestored(let code):
                if code == .marketDataFarmBroken {
                    faults.marketFarmDown = false
                    out.messages.append(notice(.marketDataFarmOK, "Market data farm connection is OK:usfarm", now: now))
                } else {
                    faults.historicalFarmDown = false
                    out.messages.append(notice(.historicalFarmOK, "HMDS data farm connection is OK:ushmds", now: now))
                }
            case .competingSessionEnded:
                faults.competingSession = false
            }
        }
        if faults.silent { return out }
        out.append(accountEvents(account.tick(at: now, for: clientId), now: now))
        if !pnlSubscriptions.isEmpty && real - lastPnLPush >= 1 {
            lastPnLPush = real
            out.messages += pnlMessages(reqIds: pnlSubscriptions.keys.sorted(), now: now)
        }
        out.messages += dueBars(now: now)
        guard !faults.connectivityLost, !faults.marketFarmDown, !faults.competingSession else { return out }
        for reqId in subscriptions.keys.sorted() {
            guard var s = subscriptions[reqId],
                let quote = market.quote(for: s.contract, at: now, delayed: s.servedType >= 3)
            else { continue }
            out.messages += ticks(reqId: reqId, quote: quote, previous: s.last, subscription: s)
            out.messages += genericTicks(reqId: reqId, quote: quote, previous: s.last, subscription: s, now: now)
            s.last = quote
            subscriptions[reqId] = s
        }
        return out
    }

    // MARK: Faults

    /// Applies an injected or scripted fault.
    mutating func apply(_ action: FaultAction, now: Date, real: Double) -> SessionOutput {
        var out = SessionOutput()
        switch action {
        case .dropConnection:
            out.close = true
        case .restart:
            out.close = true
        case .connectivityLost(let dataLost, let seconds):
            faults.connectivityLost = true
            out.messages.append(
                notice(.connectivityLost, "Connectivity between IB and Trader Workstation has been lost.", now: now))
            pending.append((real + seconds, .restoreConnectivity(dataLost: dataLost)))
        case .farmOutage(let code, let seconds):
            if TWSErrorCode(code) == .historicalFarmBroken {
                faults.historicalFarmDown = true
                out.messages.append(
                    notice(.historicalFarmBroken, "HMDS data farm connection is broken:ushmds", now: now))
            } else {
                faults.marketFarmDown = true
                out.messages.append(
                    notice(.marketDataFarmBroken, "Market data farm connection is broken:usfarm", now: now))
            }
            pending.append(
                (
                    real + seconds,
                    .farmRestored(
                        code: TWSErrorCode(code) == .historicalFarmBroken
                            ? .historicalFarmBroken : .marketDataFarmBroken)
                ))
        case .competingSession(let seconds):
            faults.competingSession = true
            for reqId in subscriptions.keys.sorted() {
                out.messages.append(
                    error(reqId, .competingSession, "No market data during competing live session", now: now))
            }
            if subscriptions.isEmpty {
                out.messages.append(
                    error(-1, .competingSession, "No market data during competing live session", now: now))
            }
            pending.append((real + seconds, .competingSessionEnded))
        case .delayReplies(let milliseconds):
            faults.delay = .milliseconds(milliseconds)
        case .withholdGreeks(let symbol):
            faults.withholdGreeksFor = symbol.map { [$0] } ?? []
        case .sendSentinels(let symbol):
            faults.sentinelsFor = symbol.map { [$0] } ?? []
        case .garbageFrame:
            var garbage: [UInt8] = [0, 0, 0, 12]
            garbage += Array("9999\0x\u{1}\u{2}\0zz\0".utf8).prefix(12)
            out.raw = garbage
        case .truncatedFrame:
            out.raw = [0, 0, 0, 40] + Array("1\u{0}6\u{0}".utf8)
            out.close = true
        case .silenceAfterHandshake:
            faults.silent = true
        case .stickOrdersInPreSubmitted:
            account.stickInPreSubmitted(nil)
        case .rateViolation(let requests):
            faults.refuseWithRateViolation = requests
        case .historicalPacingViolation(let requests):
            faults.refuseHistoricalWithPacing = requests
        case .linesExhausted(let requests):
            faults.refuseMarketDataWithLineLimit = requests
        case .clear:
            faults = FaultFlags()
            pending = []
        }
        return out
    }
}
