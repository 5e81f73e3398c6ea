/// historicalData (17): a batch of bars; before server version 196 it also carries the end dates.
public struct TWSHistoricalData: TWSMessageLayout {
    public var reqId: Int = 0
    /// Present below version 196 only (later in `TWSHistoricalDataEnd`).
    public var startDateStr: String = ""
    public var endDateStr: String = ""
    public var bars: [TWSBar] = []

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        if c.serverVersion < TWSServerVersion.historicalDataEnd {
            try c.string(&startDateStr, "_startDateStr")
            try c.string(&endDateStr, "_endDateStr")
        }
        try c.list(&bars, "bars", makeElement: TWSBar.init) { bar, c in
            try c.string(&bar.date, "date")
            try c.double(&bar.open, "open")
            try c.double(&bar.high, "high")
            try c.double(&bar.low, "low")
            try c.double(&bar.close, "close")
            try c.decimal(&bar.volume, "volume")
            try c.decimal(&bar.wap, "wap")
            try c.int(&bar.barCount, "barCount")
        }
    }
}

/// historicalDataEnd (108, server version 196+).
public struct TWSHistoricalDataEnd: TWSMessageLayout {
    public var reqId: Int = 0
    public var startDateStr: String = ""
    public var endDateStr: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.string(&startDateStr, "start")
        try c.string(&endDateStr, "end")
    }
}

/// historicalDataUpdate (90): a bar update of a keepUpToDate request.
public struct TWSHistoricalDataUpdate: TWSMessageLayout {
    public var reqId: Int = 0
    public var bar = TWSBar()

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.int(&bar.barCount, "bar.barCount")
        try c.string(&bar.date, "bar.date")
        try c.double(&bar.open, "bar.open")
        try c.double(&bar.close, "bar.close")
        try c.double(&bar.high, "bar.high")
        try c.double(&bar.low, "bar.low")
        try c.decimal(&bar.wap, "bar.wap")
        try c.decimal(&bar.volume, "bar.volume")
    }
}
