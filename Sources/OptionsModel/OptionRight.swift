/// The right of an option contract: call or put.
public enum OptionRight: String, Sendable, Hashable, Codable, CaseIterable {
    case call = "C"
    case put = "P"

    /// Parses IB's and Polygon's spellings (`C`, `CALL`, `call`, `P`, `PUT`, `put`).
    public init?(code: String) {
        switch code.uppercased() {
        case "C", "CALL": self = .call
        case "P", "PUT": self = .put
        default: return nil
        }
    }

    /// One-letter code used on the wire and in storage.
    public var code: String { rawValue }
}
