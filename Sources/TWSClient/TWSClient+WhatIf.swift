import Foundation
import Synchronization
import TWSWire

/// IB's preview of an order (`whatIf=true`): margins before and the change the order would make, and
/// its commission. Nothing is placed.
public struct TWSMarginPreview: Sendable, Hashable {
    /// Initial margin before the order.
    public var initialMarginBefore: Double?
    /// Maintenance margin before the order.
    public var maintenanceMarginBefore: Double?
    /// Equity with loan before the order.
    public var equityWithLoanBefore: Double?
    /// What the order adds to initial margin.
    public var initialMarginChange: Double?
    /// What the order adds to maintenance margin.
    public var maintenanceMarginChange: Double?
    /// Initial margin with the order.
    public var initialMarginAfter: Double?
    /// The commission IB expects.
    public var commission: Double?

    /// Equity with loan less initial margin before the order: IB's available funds.
    public var availableFundsBefore: Double? {
        guard let equity = equityWithLoanBefore else { return nil }
        return equity - (initialMarginBefore ?? 0)
    }

    /// IB's amounts are text; unset or IB's "no value" (Double.greatestFiniteMagnitude) read as nil.
    static func amount(_ text: String) -> Double? {
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite, abs(v) < 1e300 else { return nil }
        return v
    }

    init(_ s: TWSOrderState) {
        initialMarginBefore = Self.amount(s.initMarginBefore)
        maintenanceMarginBefore = Self.amount(s.maintMarginBefore)
        equityWithLoanBefore = Self.amount(s.equityWithLoanBefore)
        initialMarginChange = Self.amount(s.initMarginChange)
        maintenanceMarginChange = Self.amount(s.maintMarginChange)
        initialMarginAfter = Self.amount(s.initMarginAfter)
        commission = s.commissionAndFees.flatMap { $0.isFinite && abs($0) < 1e300 ? $0 : nil }
    }
}

extension TWSClient {
    /// Asks IB what `combo` would do to margin: the order goes out with `whatIf=true`, the gateway
    /// answers with one openOrder carrying the margins, and nothing is placed. Refused like an order
    /// unless every account is a paper account; a rejection or no answer in time throws.
    public func whatIf(_ combo: TWSComboOrder) async throws -> TWSMarginPreview {
        let info = try await waitUntilReady()
        guard info.allAccountsArePaper else {
            throw TWSClientError(
                .notPaperAccount, "refusing a what-if order: managed accounts are not all paper accounts")
        }
        let orderId = allocateOrderId()
        let (events, continuation) = AsyncStream<TWSOrderEvent>.makeStream()
        state.withLock { $0.orders[orderId] = continuation }
        defer {
            continuation.finish()
            _ = state.withLock { $0.orders.removeValue(forKey: orderId) }
        }
        var order = combo.order
        order.orderId = orderId
        order.whatIf = true
        try await send(.placeOrder(TWSPlaceOrder(orderId: orderId, contract: combo.contract, order: order)))
        return try await withTimeout(configuration.requestTimeout, what: "what-if order") {
            for await event in events {
                switch event {
                case .openOrder(let open) where open.order.whatIf || !open.orderState.initMarginChange.isEmpty:
                    return TWSMarginPreview(open.orderState)
                case .error(let code, let message) where TWSErrorCode(code).endsOrder:
                    throw TWSClientError(.requestFailed, "what-if order rejected (\(code)): \(message)")
                default:
                    continue
                }
            }
            throw TWSClientError(.disconnected, "what-if order: the connection closed")
        }
    }
}
