/// A payload-2 line's `author` member (docs/FORMAT.md §4.2, §4.5): who wrote this
/// version, and their signature over it (null when the writer never had one).
public struct AuthorClaim: Sendable, Equatable {
    public var keyID: String
    public var signature: [UInt8]?

    public init(keyID: String, signature: [UInt8]?) {
        self.keyID = keyID
        self.signature = signature
    }

    /// 16 characters `0–9 a–f`.
    public static func isKeyID(_ text: String) -> Bool {
        text.utf8.count == 16 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Strict reading of the member's value: exactly `key_id` and `signature`.
    public static func decode(_ value: JSONValue?, signatureRequired: Bool) throws -> AuthorClaim {
        guard case .object(let o)? = value else { throw StrictRecord.Invalid(reason: "\"author\" must be an object") }
        for key in o.keys where key != "key_id" && key != "signature" { throw StrictRecord.Invalid(reason: "unknown field \"author.\(key)\"") }
        guard case .string(let keyID)? = o["key_id"], isKeyID(keyID) else {
            throw StrictRecord.Invalid(reason: "\"author.key_id\" must be 16 characters 0-9 a-f")
        }
        switch o["signature"] {
        case .null? where !signatureRequired: return AuthorClaim(keyID: keyID, signature: nil)
        case .string(let text)?:
            guard let bytes = Base64.decode(text), bytes.count == 64 else {
                throw StrictRecord.Invalid(reason: "\"author.signature\" must be canonical base64 of 64 bytes")
            }
            return AuthorClaim(keyID: keyID, signature: bytes)
        case nil: throw StrictRecord.Invalid(reason: "missing field \"author.signature\"")
        default: throw StrictRecord.Invalid(reason: signatureRequired ? "\"author.signature\" must be canonical base64 of 64 bytes"
                                                                        : "\"author.signature\" must be base64 or null")
        }
    }
}
