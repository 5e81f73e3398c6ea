/// An order type (`orderType` of an order), as IB spells it.
public enum TWSOrderType: String, Sendable, CaseIterable {
    case limit = "LMT"
    case market = "MKT"
}

/// An order's time in force (`tif`), as IB spells it.
public enum TWSTimeInForce: String, Sendable, CaseIterable {
    case day = "DAY"
    case goodTillCancelled = "GTC"
    case immediateOrCancel = "IOC"
}
