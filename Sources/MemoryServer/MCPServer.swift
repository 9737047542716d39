import AIMemCore

/// A Model Context Protocol server over a set of tools: the lifecycle
/// (`initialize`, `ping`), `tools/list` and `tools/call`, on JSON-RPC 2.0, one
/// request at a time in the order they arrive. Protocol errors are JSON-RPC errors;
/// a tool's own failure is a result with `isError` and the CLI's message and hint.
public final class MCPServer {
    /// The revisions this server speaks, newest first: a client asking for one of
    /// them gets it, any other client the newest.
    public static let protocolVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    public struct Info: Sendable {
        public var name: String
        public var version: String
        /// What an assistant is told about using this server.
        public var instructions: String

        public init(name: String, version: String, instructions: String) {
            self.name = name
            self.version = version
            self.instructions = instructions
        }
    }

    public let info: Info
    public let tools: [Tool]
    /// The revision agreed in `initialize` (nil before it).
    public private(set) var protocolVersion: String?
    private let log: (String) -> Void

    public init(info: Info, tools: [Tool], log: @escaping (String) -> Void = { _ in }) {
        self.info = info
        self.tools = tools
        self.log = log
    }

    /// Serves `channel` until the client closes its input (or its output goes away).
    public func serve(_ channel: MessageChannel) throws(IOError) {
        while let incoming = try channel.next() {
            let answer: [UInt8]?
            switch incoming {
            case .message(let bytes): answer = handle(bytes)
            case .tooLong(let bytes):
                log("refused a message of \(bytes) bytes (the limit is \(channel.maxMessageBytes))")
                answer = JSONRPC.error(id: nil, JSONRPC.Failure(.invalidRequest, "message too large: \(bytes) bytes, over the limit of \(channel.maxMessageBytes)"))
            }
            guard let answer else { continue }
            do { try channel.send(answer) } catch { return }
        }
    }

    /// The answer to one line of input (nil for notifications and responses).
    public func handle(_ bytes: [UInt8]) -> [UInt8]? {
        switch JSONRPC.decode(bytes) {
        case .invalid(let id, let failure): return JSONRPC.error(id: id, failure)
        case .response: return nil
        case .notification: return nil  // notifications/initialized, notifications/cancelled: nothing to do
        case .request(let id, let method, let params):
            do {
                return JSONRPC.result(id: id, try respond(method, params ?? JSONObject()))
            } catch {
                return JSONRPC.error(id: id, error)
            }
        }
    }

    func respond(_ method: String, _ params: JSONObject) throws(JSONRPC.Failure) -> JSONValue {
        switch method {
        case "initialize": return try initialize(params)
        case "ping": return .object(JSONObject())
        case "tools/list", "tools/call":
            guard protocolVersion != nil else { throw JSONRPC.Failure(.invalidRequest, "the session is not initialized: send initialize first") }
            if method == "tools/list" {
                if params["cursor"] != nil { throw JSONRPC.Failure(.invalidParams, "unknown cursor: every tool is on the first page") }
                return .object(JSONObject(["tools": .array(tools.map { $0.listing(structured: structured) })]))
            }
            return try call(params)
        default:
            throw JSONRPC.Failure(.methodNotFound, "method not found: \(method)")
        }
    }

    /// Structured results (`outputSchema`, `structuredContent`) came with 2025-06-18.
    var structured: Bool { (protocolVersion ?? "") >= "2025-06-18" }

    func initialize(_ params: JSONObject) throws(JSONRPC.Failure) -> JSONValue {
        guard protocolVersion == nil else { throw JSONRPC.Failure(.invalidRequest, "the session is already initialized") }
        guard case .string(let requested)? = params["protocolVersion"] else {
            throw JSONRPC.Failure(.invalidParams, "initialize needs protocolVersion (a string)")
        }
        // Client capabilities and client info are accepted whatever their shape: this
        // server asks nothing of the client.
        let version = Self.protocolVersions.contains(requested) ? requested : Self.protocolVersions[0]
        protocolVersion = version
        log("initialized (protocol \(version))")
        return .object(JSONObject([
            "protocolVersion": .string(version),
            "capabilities": .object(JSONObject(["tools": .object(JSONObject(["listChanged": .bool(false)]))])),
            "serverInfo": .object(JSONObject(["name": .string(info.name), "version": .string(info.version)])),
            "instructions": .string(info.instructions),
        ]))
    }

    func call(_ params: JSONObject) throws(JSONRPC.Failure) -> JSONValue {
        guard case .string(let name)? = params["name"] else { throw JSONRPC.Failure(.invalidParams, "tools/call needs name (a string)") }
        guard let tool = tools.first(where: { $0.name == name }) else {
            throw JSONRPC.Failure(.invalidParams, "unknown tool: \(name) (tools/list gives the tools)")
        }
        let given: JSONObject
        switch params["arguments"] {
        case nil, .null?: given = JSONObject()
        case .object(let o)?: given = o
        default: throw JSONRPC.Failure(.invalidParams, "arguments must be an object")
        }
        do {
            let result = try tool.run(try ToolArguments(given, arguments: tool.arguments))
            var o = JSONObject()
            o.append("content", .array([.object(JSONObject(["type": .string("text"), "text": .string(JSONWriter.string(.object(result)))]))]))
            if structured { o.append("structuredContent", .object(result)) }
            o.append("isError", .bool(false))
            return .object(o)
        } catch {
            let (message, hint) = Self.describe(error)
            log("\(name): \(message)")
            let text = "error: \(message)" + (hint.map { "\nhint: \($0)" } ?? "")
            return .object(JSONObject([
                "content": .array([.object(JSONObject(["type": .string("text"), "text": .string(text)]))]),
                "isError": .bool(true),
            ]))
        }
    }

    /// An error's message and hint, as the CLI would print them.
    static func describe(_ error: any Error) -> (message: String, hint: String?) {
        if let error = error as? any UserFacingError { return (error.message, error.hint) }
        return ("\(error)", "this is a bug in ai-mem: please report it with the tool call that caused it")
    }
}
