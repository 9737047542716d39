import AIMemCore

/// JSON-RPC 2.0 as MCP uses it (no batches since the 2025-06-18 revision).
public enum JSONRPC {
    /// A request id: a string or an integer (never null), echoed as it came.
    public enum RequestID: Equatable, Sendable {
        case number(String)
        case string(String)

        var json: JSONValue {
            switch self {
            case .number(let text): .number(text)
            case .string(let text): .string(text)
            }
        }
    }

    /// The error codes of JSON-RPC 2.0.
    public enum Code: Int, Sendable {
        case parseError = -32700
        case invalidRequest = -32600
        case methodNotFound = -32601
        case invalidParams = -32602
        case internalError = -32603
    }

    /// A protocol error: answered as a JSON-RPC error response.
    public struct Failure: Error, Equatable, Sendable {
        public var code: Code
        public var message: String

        public init(_ code: Code, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    /// One line of input, classified.
    public enum Message: Equatable, Sendable {
        case request(id: RequestID, method: String, params: JSONObject?)
        case notification(method: String, params: JSONObject?)
        /// A response to a request of ours (we send none): ignored.
        case response
        /// Not a valid message: answered with an error (and the id, when one could be read).
        case invalid(id: RequestID?, Failure)
    }

    /// The deepest nesting accepted in a message.
    static let maxDepth = 64

    public static func decode(_ bytes: [UInt8]) -> Message {
        let value: JSONValue
        do throws(JSONSyntaxError) {
            value = try JSONParser.parse(bytes, maxDepth: maxDepth)
        } catch {
            return .invalid(id: nil, Failure(.parseError, "parse error: \(error.reason) (column \(error.column))"))
        }
        guard case .object(let object) = value else {
            if case .array = value { return .invalid(id: nil, Failure(.invalidRequest, "batches are not supported: send one message per line")) }
            return .invalid(id: nil, Failure(.invalidRequest, "a message must be a JSON object, not \(value.kindName)"))
        }
        var id: RequestID? = nil
        if let raw = object["id"] {
            switch raw {
            case .string(let text): id = .string(text)
            case .number(let text) where text.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2D }) && text.utf8.count <= 20: id = .number(text)
            default: return .invalid(id: nil, Failure(.invalidRequest, "the id must be a string or an integer"))
            }
        }
        guard object["jsonrpc"] == .string("2.0") else { return .invalid(id: id, Failure(.invalidRequest, "jsonrpc must be \"2.0\"")) }
        guard let methodValue = object["method"] else {
            if id != nil, object["result"] != nil || object["error"] != nil { return .response }
            return .invalid(id: id, Failure(.invalidRequest, "a request needs a method"))
        }
        guard case .string(let method) = methodValue else { return .invalid(id: id, Failure(.invalidRequest, "the method must be a string")) }
        var params: JSONObject? = nil
        switch object["params"] {
        case nil, .null?: break
        case .object(let p)?: params = p
        default:
            let failure = Failure(.invalidParams, "params must be an object")
            return id.map { .invalid(id: $0, failure) } ?? .notification(method: method, params: nil)
        }
        if let id { return .request(id: id, method: method, params: params) }
        return .notification(method: method, params: params)
    }

    /// `{"jsonrpc":"2.0","id":…,"result":…}`.
    public static func result(id: RequestID, _ result: JSONValue) -> [UInt8] {
        encode(JSONObject(["jsonrpc": .string("2.0"), "id": id.json, "result": result]))
    }

    /// `{"jsonrpc":"2.0","id":…|null,"error":{"code":…,"message":…}}`.
    public static func error(id: RequestID?, _ failure: Failure) -> [UInt8] {
        encode(JSONObject([
            "jsonrpc": .string("2.0"), "id": id?.json ?? .null,
            "error": .object(JSONObject(["code": .int(failure.code.rawValue), "message": .string(failure.message)])),
        ]))
    }

    /// Compact JSON: strings escape every control character, so a message never holds a newline.
    static func encode(_ object: JSONObject) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(object)
        return writer.bytes
    }
}
