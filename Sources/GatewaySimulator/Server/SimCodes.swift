/// IB error codes the simulator sends, by meaning (IB's numbers, as its documentation lists them).
enum SimErrorCode {
    /// Max rate of messages per second has been exceeded.
    static let messageRateExceeded = 100
    /// Max number of tickers has been reached.
    static let maxTickers = 101
    /// Duplicate order id.
    static let duplicateOrderId = 103
    /// Historical market data service error (pacing, no data).
    static let historicalDataError = 162
    /// No security definition has been found for the request.
    static let noSecurityDefinition = 200
    /// Order rejected.
    static let orderRejected = 201
    /// Order cancelled (with the reason).
    static let orderCancelled = 202
    /// Can't find EId with tickerId (cancel of an unknown request).
    static let unknownTickerId = 300
    /// Error validating request (bad parameters).
    static let validationError = 321
    /// Error processing request (duplicate ticker id).
    static let processingError = 322
    /// Market data is not subscribed.
    static let notSubscribed = 354
    /// Order to cancel not found.
    static let cancelNotFound = 10147
    /// Deep market data is not supported for this combination of security type/exchange.
    static let depthNotSupported = 10092
    /// Failed to request tick-by-tick data.
    static let tickByTickFailed = 10189
}

/// IB tick types the simulator sends beyond TWSWire's quote ticks.
enum SimTickType {
    /// The result of calculateImpliedVolatility / calculateOptionPrice (IB's CUST_OPTION_COMPUTATION).
    static let customOptionComputation = 53
}
