/// managedAccounts (15): the comma-separated accounts of this login.
public struct TWSManagedAccounts: TWSMessageLayout {
    public var accountsList: String = ""

    public init() {}

    /// The message for a list of account ids.
    public init(accounts: [String]) {
        self.accountsList = accounts.joined(separator: ",")
    }

    /// The account ids, split and trimmed.
    public var accounts: [String] {
        accountsList.split(separator: ",").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.string(&accountsList, "accountsList")
    }
}

/// accountSummary (63): one tag of one account.
public struct TWSAccountSummary: TWSMessageLayout {
    public var reqId: Int = 0
    public var account: String = ""
    public var tag: String = ""
    public var value: String = ""
    public var currency: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.int(&reqId, "reqId")
        try c.string(&account, "account")
        try c.string(&tag, "tag")
        try c.string(&value, "value")
        try c.string(&currency, "currency")
    }
}

/// position (61): one position of one account.
public struct TWSPosition: TWSMessageLayout {
    public var account: String = ""
    public var contract = TWSContract()
    public var position: TWSDecimal? = nil
    public var avgCost: Double = 0

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(3)
        try c.string(&account, "account")
        try c.contractSummary(&contract)
        try c.decimal(&position, "position")
        try c.double(&avgCost, "avgCost")
    }
}

/// updateAccountValue (ACCT_VALUE, 6): one key of the account-updates subscription.
public struct TWSAccountValue: TWSMessageLayout {
    public var key: String = ""
    public var val: String = ""
    public var currency: String = ""
    public var accountName: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(2)
        try c.string(&key, "key")
        try c.string(&val, "val")
        try c.string(&currency, "currency")
        try c.string(&accountName, "accountName")
    }
}

/// updatePortfolio (PORTFOLIO_VALUE, 7): one position with its mark.
public struct TWSPortfolioValue: TWSMessageLayout {
    public var contract = TWSContract()
    public var position: TWSDecimal? = nil
    public var marketPrice: Double = 0
    public var marketValue: Double = 0
    public var averageCost: Double = 0
    public var unrealizedPNL: Double = 0
    public var realizedPNL: Double = 0
    public var accountName: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(8)
        try c.contractSummary(&contract, exchange: false, primaryExchange: true)
        try c.decimal(&position, "position")
        try c.double(&marketPrice, "marketPrice")
        try c.double(&marketValue, "marketValue")
        try c.double(&averageCost, "averageCost")
        try c.double(&unrealizedPNL, "unrealizedPNL")
        try c.double(&realizedPNL, "realizedPNL")
        try c.string(&accountName, "accountName")
    }
}

/// updateAccountTime (ACCT_UPDATE_TIME, 8).
public struct TWSAccountUpdateTime: TWSMessageLayout {
    public var timeStamp: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.string(&timeStamp, "timeStamp")
    }
}

/// accountDownloadEnd (54).
public struct TWSAccountDownloadEnd: TWSMessageLayout {
    public var accountName: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.string(&accountName, "accountName")
    }
}

/// accountUpdateMulti (73): one key of an account/model subscription.
public struct TWSAccountUpdateMulti: TWSMessageLayout {
    public var reqId: Int = 0
    public var account: String = ""
    public var modelCode: String = ""
    public var key: String = ""
    public var value: String = ""
    public var currency: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.int(&reqId, "reqId")
        try c.string(&account, "account")
        try c.string(&modelCode, "modelCode")
        try c.string(&key, "key")
        try c.string(&value, "value")
        try c.string(&currency, "currency")
    }
}

/// currentTime (49): the gateway's clock in Unix seconds.
public struct TWSCurrentTime: TWSMessageLayout {
    public var time: Int = 0

    public init() {}

    /// The message for `time` (Unix seconds).
    public init(time: Int) {
        self.time = time
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.int(&time, "time")
    }
}

/// error (ERR_MSG, 4): errors, warnings and notices; `reqId` -1 for connection-level ones.
public struct TWSErrorMessage: TWSMessageLayout {
    public var reqId: Int = -1
    public var errorCode: Int = 0
    public var errorString: String = ""
    public var advancedOrderRejectJson: String = ""
    /// Milliseconds since the epoch (server version 194+), else 0.
    public var errorTime: Int = 0

    public init() {}

    /// An error from its values.
    public init(
        reqId: Int, errorCode: Int, errorString: String, advancedOrderRejectJson: String = "", errorTime: Int = 0
    ) {
        self.reqId = reqId
        self.errorCode = errorCode
        self.errorString = errorString
        self.advancedOrderRejectJson = advancedOrderRejectJson
        self.errorTime = errorTime
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        if c.serverVersion < TWSServerVersion.errorTime { try c.version(2) }
        try c.int(&reqId, "reqId")
        try c.int(&errorCode, "errorCode")
        try c.escapedString(&errorString, "errorString")
        if c.serverVersion >= TWSServerVersion.advancedOrderReject {
            try c.escapedString(&advancedOrderRejectJson, "advancedOrderRejectJson")
        }
        if c.serverVersion >= TWSServerVersion.errorTime {
            try c.int(&errorTime, "errorTime")
        } else if c.direction == .render {
            // Not on the wire before 194, but IB's decoder reports it as 0 then: so do we.
            try c.int(&errorTime, "errorTime")
        }
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
