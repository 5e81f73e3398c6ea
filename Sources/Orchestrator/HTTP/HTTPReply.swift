import Foundation
import Hummingbird

/// An HTTP answer: what every route returns, turned into a Hummingbird response in one place
/// (`response(from:context:)`), so a new page or route only has to produce one.
public struct HTTPReply: Sendable, Equatable {
    /// The HTTP status code.
    public var status: Int
    /// The `Content-Type` header.
    public var contentType: String
    /// The body, sent as UTF-8.
    public var body: String

    /// A reply; JSON unless `contentType` says otherwise (a dashboard page passes `text/html`).
    public init(status: Int, contentType: String = "application/json", body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A JSON error body `{"error": message}`.
    public static func error(_ status: Int, _ message: String) -> HTTPReply {
        // JSONOutput escapes any string; a failure here would be a Foundation bug, so say so in the body.
        let body = (try? JSONOutput.render(["error": message])) ?? #"{"error":"unencodable error message"}"#
        return HTTPReply(status: status, body: body)
    }
}

extension HTTPReply: ResponseGenerator {
    /// The reply as a response with its status, `Content-Type` and body (Hummingbird adds the length).
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
