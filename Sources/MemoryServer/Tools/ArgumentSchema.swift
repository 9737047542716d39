import AIMemCore

/// The type of a tool argument. One value writes the JSON Schema a client sees and
/// checks what the client sends, so the two cannot disagree; every length, count and
/// range is bounded.
public indirect enum ArgumentSchema: Sendable {
    case string(minLength: Int = 0, maxLength: Int, choices: [String]? = nil)
    case integer(minimum: Int, maximum: Int)
    case number(minimum: Double, maximum: Double)
    case boolean
    case array(of: ArgumentSchema, minItems: Int = 0, maxItems: Int)
    /// A JSON object of the user's own keys (metadata): any values, bounded in size.
    case freeObject(maxProperties: Int)

    /// This type as JSON Schema (draft 2020-12 keywords).
    func json(description: String?, defaultValue: JSONValue?) -> JSONValue {
        var o = JSONObject()
        switch self {
        case .string(let minLength, let maxLength, let choices):
            o.append("type", .string("string"))
            if let choices { o.append("enum", .array(choices.map(JSONValue.string))) }
            if minLength > 0 { o.append("minLength", .int(minLength)) }
            o.append("maxLength", .int(maxLength))
        case .integer(let minimum, let maximum):
            o.append("type", .string("integer"))
            o.append("minimum", .int(minimum))
            o.append("maximum", .int(maximum))
        case .number(let minimum, let maximum):
            o.append("type", .string("number"))
            o.append("minimum", JSONValue.double(minimum) ?? .null)
            o.append("maximum", JSONValue.double(maximum) ?? .null)
        case .boolean:
            o.append("type", .string("boolean"))
        case .array(let items, let minItems, let maxItems):
            o.append("type", .string("array"))
            o.append("items", items.json(description: nil, defaultValue: nil))
            if minItems > 0 { o.append("minItems", .int(minItems)) }
            o.append("maxItems", .int(maxItems))
        case .freeObject(let maxProperties):
            o.append("type", .string("object"))
            o.append("maxProperties", .int(maxProperties))
        }
        if let description { o.append("description", .string(description)) }
        if let defaultValue { o.append("default", defaultValue) }
        return .object(o)
    }

    /// Checks `value` against this type; the error names the argument (`path`).
    func check(_ value: JSONValue, _ path: String) throws(ToolError) {
        func fail(_ wanted: String) -> ToolError {
            ToolError("`\(path)` must be \(wanted) (got \(value.kindName))", hint: "tools/list gives each tool's input schema")
        }
        switch self {
        case .string(let minLength, let maxLength, let choices):
            guard case .string(let text) = value else { throw fail("a string") }
            let length = text.unicodeScalars.count
            if let choices, !choices.contains(text) {
                throw ToolError("`\(path)` must be one of \(choices.joined(separator: ", "))", hint: nil)
            }
            guard length >= minLength else { throw ToolError(minLength == 1 ? "`\(path)` must not be empty" : "`\(path)` must hold at least \(minLength) characters", hint: nil) }
            guard length <= maxLength else { throw ToolError("`\(path)` is longer than \(maxLength) characters", hint: nil) }
        case .integer(let minimum, let maximum):
            guard case .number(let text) = value, let n = Int(text) else { throw fail("an integer") }
            guard (minimum...maximum).contains(n) else { throw ToolError("`\(path)` must be from \(minimum) to \(maximum)", hint: nil) }
        case .number(let minimum, let maximum):
            guard case .number = value, let n = value.doubleValue, n.isFinite else { throw fail("a number") }
            guard (minimum...maximum).contains(n) else { throw ToolError("`\(path)` must be from \(minimum) to \(maximum)", hint: nil) }
        case .boolean:
            guard case .bool = value else { throw fail("true or false") }
        case .array(let items, let minItems, let maxItems):
            guard case .array(let elements) = value else { throw fail("an array") }
            guard elements.count >= minItems else { throw ToolError("`\(path)` must hold at least \(minItems) item\(minItems == 1 ? "" : "s")", hint: nil) }
            guard elements.count <= maxItems else { throw ToolError("`\(path)` holds more than \(maxItems) items", hint: nil) }
            for (i, element) in elements.enumerated() { try items.check(element, "\(path)[\(i)]") }
        case .freeObject(let maxProperties):
            guard case .object(let object) = value else { throw fail("an object") }
            guard object.members.count <= maxProperties else { throw ToolError("`\(path)` has more than \(maxProperties) keys", hint: nil) }
        }
    }
}

/// One named argument of a tool.
public struct Argument: Sendable {
    public var name: String
    public var description: String
    public var schema: ArgumentSchema
    public var required: Bool
    public var defaultValue: JSONValue?

    public init(_ name: String, _ schema: ArgumentSchema, required: Bool = false, default defaultValue: JSONValue? = nil, _ description: String) {
        self.name = name
        self.schema = schema
        self.required = required
        self.defaultValue = defaultValue
        self.description = description
    }
}

/// A tool's arguments after checking: only declared names, each of its type.
public struct ToolArguments: Sendable {
    public let values: JSONObject

    /// Checks `given` against `arguments`: unknown names, missing required ones and
    /// wrong types are tool errors that name the argument.
    init(_ given: JSONObject, arguments: [Argument]) throws(ToolError) {
        for member in given.members where !arguments.contains(where: { $0.name == member.key }) {
            let names = arguments.map(\.name).joined(separator: ", ")
            throw ToolError("unknown argument `\(member.key)`", hint: names.isEmpty ? "this tool takes no arguments" : "this tool takes: \(names)")
        }
        for argument in arguments {
            guard let value = given[argument.name], !value.isNull else {
                if argument.required { throw ToolError("`\(argument.name)` is required", hint: argument.description) }
                continue
            }
            try argument.schema.check(value, argument.name)
        }
        values = given
    }

    public func string(_ name: String) -> String? { values[name]?.stringValue }
    public func int(_ name: String) -> Int? { if case .number(let text)? = values[name] { Int(text) } else { nil } }
    public func double(_ name: String) -> Double? { values[name]?.doubleValue }
    public func strings(_ name: String) -> [String]? { values[name]?.arrayValue?.compactMap(\.stringValue) }
    public func object(_ name: String) -> JSONObject? { values[name]?.objectValue }
    public func has(_ name: String) -> Bool { values[name].map { !$0.isNull } ?? false }
}
