/// An order status as orderStatus and openOrder report it (`Filled`, `Cancelled`, ...).
public enum TWSOrderStatusValue: String, Sendable, CaseIterable {
    case apiPending = "ApiPending"
    case pendingSubmit = "PendingSubmit"
    case pendingCancel = "PendingCancel"
    case preSubmitted = "PreSubmitted"
    case submitted = "Submitted"
    case apiCancelled = "ApiCancelled"
    case cancelled = "Cancelled"
    case filled = "Filled"
    case inactive = "Inactive"

    /// Done without further fills (cancelled by us, by IB, or inactive).
    public var isCancelled: Bool { self == .cancelled || self == .apiCancelled || self == .inactive }
    /// Whether the order's life is over.
    public var isTerminal: Bool { isCancelled || self == .filled }
}

/// An execution's side (execDetails) as IB writes it.
public enum TWSExecutionSide: String, Sendable, CaseIterable {
    case bought = "BOT"
    case sold = "SLD"
}

/// An order's or combo leg's action.
public enum TWSAction: String, Sendable, CaseIterable {
    case buy = "BUY"
    case sell = "SELL"
    case sellShort = "SSHORT"
}

/// IB security types.
public enum TWSSecurityType: String, Sendable, CaseIterable {
    case stock = "STK"
    case option = "OPT"
    case index = "IND"
    case future = "FUT"
    case futureOption = "FOP"
    case combo = "BAG"
    case cash = "CASH"
}
