import AIMemCore

/// The output schemas of the memory tools (JSON Schema), written once: every
/// object lists its properties as required and admits no others, so a client that
/// validates structured results (the Python SDK does) checks every field.
enum Schemas {
    static let string: JSONValue = .object(JSONObject(["type": .string("string")]))
    static let nullableString: JSONValue = .object(JSONObject(["type": .array([.string("string"), .string("null")])]))
    static let integer: JSONValue = .object(JSONObject(["type": .string("integer")]))
    static let nullableInteger: JSONValue = .object(JSONObject(["type": .array([.string("integer"), .string("null")])]))
    static let number: JSONValue = .object(JSONObject(["type": .string("number")]))
    static let boolean: JSONValue = .object(JSONObject(["type": .string("boolean")]))

    static func array(_ items: JSONValue) -> JSONValue {
        .object(JSONObject(["type": .string("array"), "items": items]))
    }

    /// A closed object with these properties, all required.
    static func object(_ properties: KeyValuePairs<String, JSONValue>, nullable: Bool = false) -> JSONValue {
        .object(JSONObject([
            "type": nullable ? .array([.string("object"), .string("null")]) : .string("object"),
            "properties": .object(JSONObject(properties)),
            "required": .array(properties.map { .string($0.key) }),
            "additionalProperties": .bool(false),
        ]))
    }

    /// An author or a signer: key ID (none for a memory written before you had a key), name, and whether it is you.
    static let person = object(["key_id": nullableString, "name": string, "is_you": boolean])

    static let memory = object([
        "id": string, "title": nullableString, "content": string, "type": string, "project": string,
        "tags": array(string), "metadata": .object(JSONObject(["type": .string("object")])), "importance": number,
        "created_at": string, "updated_at": string, "author": person,
        "provenance": object(["snapshot_id": string, "signer": person, "merged_at": string], nullable: true),
    ])

    /// A secret found in what was stored (never the secret itself: a masked excerpt).
    static let secret = object(["rule": string, "description": string, "field": string, "line": integer, "column": integer, "excerpt": string])

    static let searchResult = object(["memory": memory, "score": number, "keyword_rank": nullableInteger, "semantic_rank": nullableInteger])
}
