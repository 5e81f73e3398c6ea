import Foundation

/// A fault the simulator can inject, from a script (`--faults FILE`) or the in-process API.
public enum FaultAction: Sendable, Equatable, Codable {
    /// Close the client's connection.
    case dropConnection
    /// Close the listener and every connection; refuse connections for `downSeconds`, then accept again.
    case restart(downSeconds: Double)
    /// 1100, then after `seconds` 1101 (data lost: subscriptions dropped) or 1102 (data maintained).
    case connectivityLost(dataLost: Bool, seconds: Double)
    /// A data farm outage: 2103 (market data) or 2105 (historical), then OK after `seconds`.
    case farmOutage(code: Int, seconds: Double)
    /// 10197: no market data during a competing live session, for `seconds`.
    case competingSession(seconds: Double)
    /// Hold every reply this long.
    case delayReplies(milliseconds: Int)
    /// Send no option computations (for one symbol, or all when nil).
    case withholdGreeks(symbol: String?)
    /// Send option computations with every value at IB's "not computed" sentinel.
    case sendSentinels(symbol: String?)
    /// Send a frame whose payload is not a valid message.
    case garbageFrame
    /// Send half a frame and close.
    case truncatedFrame
    /// Stop answering anything (the connection stays open).
    case silenceAfterHandshake
    /// Orders placed from now on stay PreSubmitted forever.
    case stickOrdersInPreSubmitted
    /// The next `requests` client messages are refused unprocessed with 100 (message rate exceeded),
    /// as IB does before it disconnects a client that keeps flooding.
    case rateViolation(requests: Int)
    /// The next `requests` historical-data requests are refused with 162 (pacing violation).
    case historicalPacingViolation(requests: Int)
    /// The next `requests` market-data requests are refused with 101 (max number of tickers), as when
    /// TWS windows or another client hold the account's lines.
    case linesExhausted(requests: Int)
    /// Clear every session fault flag.
    case clear
}

/// A fault schedule: each step runs `afterSeconds` (real time) after a client connects, or, when
/// `afterMessages` is set, once the client has sent that many messages.
///
/// JSON (YAML has the same shape):
/// ```
/// {"steps": [{"afterSeconds": 5, "action": {"connectivityLost": {"dataLost": true, "seconds": 3}}},
///            {"afterSeconds": 20, "action": {"dropConnection": {}}}]}
/// ```
public struct FaultScript: Sendable, Equatable, Codable {
    /// One timed step.
    public struct Step: Sendable, Equatable, Codable {
        public var afterSeconds: Double
        /// Run when the client has sent this many messages (instead of after a time).
        public var afterMessages: Int?
        public var action: FaultAction

        public init(afterSeconds: Double = 0, afterMessages: Int? = nil, action: FaultAction) {
            self.afterSeconds = afterSeconds
            self.afterMessages = afterMessages
            self.action = action
        }
    }

    public var steps: [Step]

    public init(steps: [Step]) {
        self.steps = steps
    }

    /// Time-triggered steps in time order.
    public func timedSteps() -> [Step] {
        steps.filter { $0.afterMessages == nil }.sorted { $0.afterSeconds < $1.afterSeconds }
    }

    /// Message-count-triggered steps.
    public func messageSteps() -> [Step] { steps.filter { $0.afterMessages != nil } }

    /// Parses a JSON script.
    public static func decode(json: Data) throws -> FaultScript {
        try JSONDecoder().decode(FaultScript.self, from: json)
    }
}
