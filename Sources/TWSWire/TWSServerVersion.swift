/// Negotiated-version gates between 157 and 200 that change a layout (IB's MIN_SERVER_VER_* values).
public enum TWSServerVersion {
    public static let duration = 158
    public static let postToAts = 160
    public static let autoCancelParent = 162
    public static let fractionalSizeSupport = 163
    public static let sizeRules = 164
    public static let advancedOrderReject = 166
    public static let manualOrderTime = 169
    public static let pegBestPegMidOffsets = 170
    public static let bondIssuerId = 176
    public static let faProfileDesupport = 177
    public static let pendingPriceRevision = 178
    public static let fundDataFields = 179
    public static let lastTradeDate = 182
    public static let customerAccount = 183
    public static let professionalCustomer = 184
    public static let bondAccruedInterest = 185
    public static let ineligibilityReasons = 186
    public static let rfqFields = 187
    public static let includeOvernight = 189
    public static let undoRfqFields = 190
    public static let cmeTaggingFields = 192
    public static let cmeTaggingFieldsInOpenOrder = 193
    public static let errorTime = 194
    public static let fullOrderPreviewFields = 195
    public static let historicalDataEnd = 196
    public static let submitter = 198
    public static let imbalanceOnly = 199
    public static let parametrizedDaysOfExecutions = 200
}
