import Hummingbird
import Synchronization

/// Registers routes on a Hummingbird router and remembers their paths and methods, so that the error
/// middleware can answer an unknown path 404 and a known path with another method 405, both as JSON.
final class APIRoutes {
    let router: Router<BasicRequestContext>
    let catalog = RouteCatalog()

    init() {
        router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ReplyErrorMiddleware(catalog: catalog))
    }

    /// `GET path` (and HEAD, generated).
    func get(
        _ path: String, use handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> HTTPReply
    ) {
        catalog.add(path, methods: [.get, .head])
        router.get(RouterPath(path), use: handler)
    }

    /// `POST path`.
    func post(
        _ path: String, use handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> HTTPReply
    ) {
        catalog.add(path, methods: [.post])
        router.post(RouterPath(path), use: handler)
    }
}

/// The routes' path patterns (`{name}` matches one component) and the methods each serves.
final class RouteCatalog: Sendable {
    let entries = Mutex<[(pattern: [Substring], methods: Set<HTTPRequest.Method>)]>([])

    func add(_ path: String, methods: Set<HTTPRequest.Method>) {
        let pattern = path.split(separator: "/")
        entries.withLock { list in
            if let i = list.firstIndex(where: { $0.pattern == pattern }) {
                list[i].methods.formUnion(methods)
            } else {
                list.append((pattern, methods))
            }
        }
    }

    /// Whether the router resolved a route for this request: it names the endpoint in the context
    /// only then (its not-found responder names it "NotFound", after our middleware has run).
    func routed(_ context: BasicRequestContext) -> Bool {
        guard let path = context.endpointPath, path != "NotFound" else { return false }
        return true
    }

    /// The methods served at `path`, or nil when no route has that path.
    func methods(at path: String) -> Set<HTTPRequest.Method>? {
        let parts = path.split(separator: "/")
        let found = entries.withLock { list in
            list.filter { entry in
                entry.pattern.count == parts.count
                    && zip(entry.pattern, parts).allSatisfy { p, c in p.first == "{" || p == c }
            }
        }
        guard !found.isEmpty else { return nil }
        return found.reduce(into: Set()) { $0.formUnion($1.methods) }
    }
}

/// Turns every failure into a JSON error reply: the router's "not found" into 404 or 405, a bad
/// parameter into 400, an `HTTPError` into its status, anything else into 500 with its description.
struct ReplyErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let catalog: RouteCatalog

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let reply: HTTPReply
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && !catalog.routed(context) {
            // The router found no route (a route's own 404 is an `HTTPReply`, never thrown).
            let path = request.uri.path
            if let methods = catalog.methods(at: path) {
                let allowed = methods.map(\.rawValue).sorted().joined(separator: ", ")
                reply = .error(405, "\(request.method.rawValue) is not served at \(path); it takes \(allowed)")
            } else {
                reply = .error(404, "no route \(path); try /health, /metrics or /api/...")
            }
        } catch let error as HTTPError {
            reply = .error(error.status.code, error.body ?? error.status.reasonPhrase)
        } catch let bad as BadParameter {
            reply = .error(400, bad.message)
        } catch {
            reply = .error(500, "\(error)")
        }
        return try reply.response(from: request, context: context)
    }
}
