import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Orchestrator

/// The router's own answers, through HummingbirdTesting (no socket): every failure is a JSON error, a
/// known path with another method is 405, and an `HTTPReply` keeps its status and content type (the
/// dashboard's `text/html` page is one more `get`).
@Suite struct ServiceAPIRouteTests {
    func app() -> some ApplicationProtocol {
        let routes = APIRoutes()
        routes.get("/page") { _, _ in HTTPReply(status: 200, contentType: "text/html; charset=utf-8", body: "<p>hi</p>")
        }
        routes.get("/items/{id}") { _, context in
            HTTPReply(status: 200, body: #"{"id":"\#(context.parameters.get("id") ?? "")"}"#)
        }
        routes.post("/items/{id}/close") { _, _ in HTTPReply(status: 202, body: "{}") }
        routes.get("/boom") { _, _ in throw BadParameter(message: "limit must be small") }
        return Application(router: routes.router, logger: quiet)
    }

    @Test func repliesErrorsAndMethods() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/page", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: response.body) == "<p>hi</p>")
            }
            try await client.execute(uri: "/items/7", method: .get) { response in
                #expect(String(buffer: response.body) == #"{"id":"7"}"#)
            }
            try await client.execute(uri: "/items/7", method: .head) { response in
                #expect(response.status == .ok && response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/items/7/close", method: .post) { response in
                #expect(response.status == .accepted)
            }
            try await client.execute(uri: "/items/7/close", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(String(buffer: response.body).contains("it takes POST"))
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json")
                #expect(
                    String(buffer: response.body) == #"{"error":"no route \/; try \/health, \/metrics or \/api\/..."}"#)
            }
            try await client.execute(uri: "/boom", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body) == #"{"error":"limit must be small"}"#)
            }
        }
    }
}
