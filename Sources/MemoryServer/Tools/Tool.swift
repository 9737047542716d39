import AIMemCore

/// A tool's failure, reported to the assistant as a tool error (`isError`) with the
/// message and hint the CLI would print.
public struct ToolError: Error, UserFacingError, Equatable {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String?) {
        self.message = message
        self.hint = hint
    }
}

/// What MCP's tool annotations say about a tool's effects.
public struct ToolEffects: Sendable {
    public var readOnly: Bool
    public var destructive: Bool
    public var idempotent: Bool

    public static let reads = ToolEffects(readOnly: true, destructive: false, idempotent: true)

    var json: JSONObject {
        var o = JSONObject()
        o.append("readOnlyHint", .bool(readOnly))
        o.append("destructiveHint", .bool(destructive))
        o.append("idempotentHint", .bool(idempotent))
        // A memory store is a closed world: no tool reaches beyond it.
        o.append("openWorldHint", .bool(false))
        return o
    }
}

/// One MCP tool: its description, argument schema, output schema and handler.
public struct Tool: Sendable {
    public var name: String
    public var title: String
    public var description: String
    public var arguments: [Argument]
    public var output: JSONValue
    public var effects: ToolEffects
    public var run: @Sendable (ToolArguments) throws -> JSONObject

    public init(name: String, title: String, description: String, arguments: [Argument], output: JSONValue, effects: ToolEffects,
                run: @escaping @Sendable (ToolArguments) throws -> JSONObject) {
        self.name = name
        self.title = title
        self.description = description
        self.arguments = arguments
        self.output = output
        self.effects = effects
        self.run = run
    }

    /// The closed JSON Schema of the arguments (`additionalProperties: false`).
    var inputSchema: JSONValue {
        var properties = JSONObject()
        for a in arguments { properties.append(a.name, a.schema.json(description: a.description, defaultValue: a.defaultValue)) }
        var o = JSONObject()
        o.append("type", .string("object"))
        o.append("properties", .object(properties))
        let required = arguments.filter(\.required).map { JSONValue.string($0.name) }
        if !required.isEmpty { o.append("required", .array(required)) }
        o.append("additionalProperties", .bool(false))
        return .object(o)
    }

    /// This tool as `tools/list` lists it.
    func listing(structured: Bool) -> JSONValue {
        var annotations = effects.json
        annotations.append("title", .string(title))
        var o = JSONObject()
        o.append("name", .string(name))
        o.append("title", .string(title))
        o.append("description", .string(description))
        o.append("inputSchema", inputSchema)
        if structured { o.append("outputSchema", output) }
        o.append("annotations", .object(annotations))
        return .object(o)
    }
}
