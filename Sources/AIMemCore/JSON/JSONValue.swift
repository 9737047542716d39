/// A JSON value that keeps what a round trip needs: object member order and the
/// exact text of numbers, so that metadata written by another tool comes back as it was.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, kept as its validated JSON text (e.g. `"0.75"`, `"3600"`, `"1e-05"`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A number from a finite Double; nil for NaN and infinities, which JSON cannot hold.
    public static func double(_ value: Double) -> JSONValue? {
        guard value.isFinite else { return nil }
        return .number(JSONNumberText.format(value))
    }

    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the value's kind for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// A JSON object whose members keep their order. Keys are unique (the parser refuses duplicates).
public struct JSONObject: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]

    public init(_ members: [Member] = []) {
        self.members = members
    }

    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.members = pairs.map { Member(key: $0.key, value: $0.value) }
    }

    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public subscript(key: String) -> JSONValue? {
        get { members.first(where: { $0.key == key })?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    /// Appends a member without checking for an existing key (callers guarantee uniqueness).
    public mutating func append(_ key: String, _ value: JSONValue) {
        members.append(Member(key: key, value: value))
    }
}

/// Formatting of Doubles as JSON number text.
package enum JSONNumberText {
    /// The shortest text that reads back as the same Double ("0.5", "1.0", "1795577473.0346751", "1e-05").
    package static func format(_ value: Double) -> String {
        precondition(value.isFinite)
        return "\(value)"
    }
}
