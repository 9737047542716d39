import AIMemCore

/// A rules file that cannot be used: what is wrong with it.
public struct SecretRuleError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// One detection rule, read from the rules file (Rules/secret-rules.json; the
/// file's `about` says what each member means). A rule has keywords — lowercase
/// literals found by the one-pass prefilter — and a kind that decides, at each
/// keyword hit, whether a secret is there and which bytes it covers.
struct SecretRule: Sendable {
    /// A token's shape: literals and runs of a character class, in order.
    enum Element: Sendable {
        /// One of these byte strings, case-sensitive.
        case literal([[UInt8]])
        /// `min`…`max` bytes of the class (greedy, backtracking if a later element fails).
        case run(CharacterClass, min: Int, max: Int)
    }

    enum Kind: Sendable {
        /// A token with a fixed shape, starting `keywordOffset` bytes before the keyword.
        case token(pattern: [Element], keywordOffset: Int)
        /// `name <op> value`: the keyword is (part of) the name; the value is the secret.
        case assignment(value: CharacterClass, min: Int, max: Int, requireDigitOrSymbol: Bool)
        /// A PEM or OpenSSH private key block.
        case privateKeyBlock(minBodyCharacters: Int)
        /// A JSON Web Token: three base64url segments, the first two JSON objects, the first naming an `alg`.
        case jsonWebToken
        /// A URL with a password: `scheme://user:password@host`; the password is the secret.
        case urlPassword(schemes: Set<String>)
    }

    enum Checksum: Sendable {
        /// GitHub's token format (also npm's): the last 6 characters are the CRC-32 of the
        /// 30 before them, in base62 (`0-9A-Za-z`), padded with leading zeros.
        case crc32Base62
    }

    var id: String
    var family: String
    var description: String
    var keywords: [String]
    var kind: Kind
    /// Minimum Shannon entropy (bits per byte) of the secret's bytes.
    var entropy: Double
    var checksum: Checksum?
    /// Values that are not secrets (documented examples): matched exactly.
    var allow: Set<String>
    /// Between overlapping findings the higher wins (specific rules over generic ones).
    var priority: Int

    static let maxRunLength = 4096
}

extension SecretRule {
    init(_ value: JSONValue) throws(SecretRuleError) {
        guard case .object(let o) = value else { throw SecretRuleError("a rule is not an object") }
        func string(_ key: String) throws(SecretRuleError) -> String {
            guard let s = o[key]?.stringValue, !s.isEmpty else { throw SecretRuleError("a rule lacks the string \(key)") }
            return s
        }
        func strings(_ key: String, _ object: JSONObject? = nil) throws(SecretRuleError) -> [String] {
            guard let array = (object ?? o)[key]?.arrayValue else { throw SecretRuleError("the rule lacks the array \(key)") }
            var out: [String] = []
            for v in array {
                guard let s = v.stringValue, !s.isEmpty else { throw SecretRuleError("\(key) holds a value that is not a non-empty string") }
                out.append(s)
            }
            return out
        }
        func integer(_ key: String, in object: JSONObject, default fallback: Int? = nil) throws(SecretRuleError) -> Int {
            guard let v = object[key] else {
                if let fallback { return fallback }
                throw SecretRuleError("the rule lacks the integer \(key)")
            }
            guard let d = v.doubleValue, let i = Int(exactly: d), (0...SecretRule.maxRunLength).contains(i) else {
                throw SecretRuleError("\(key) is not an integer 0…\(SecretRule.maxRunLength)")
            }
            return i
        }
        id = try string("id")
        do throws(SecretRuleError) {
            family = try string("family")
            description = try string("description")
            keywords = try strings("keywords").map { $0.lowercased() }
            guard !keywords.isEmpty else { throw SecretRuleError("no keywords") }
            entropy = o["entropy"]?.doubleValue ?? 0
            priority = try integer("priority", in: o, default: 2)
            allow = Set(o["allow"] == nil ? [] : try strings("allow"))
            switch o["checksum"]?.stringValue {
            case nil: checksum = nil
            case "crc32-base62": checksum = .crc32Base62
            case let other?: throw SecretRuleError("unknown checksum \(other)")
            }
            switch try string("kind") {
            case "token":
                guard let elements = o["pattern"]?.arrayValue, !elements.isEmpty else { throw SecretRuleError("a token rule needs a pattern") }
                var pattern: [Element] = []
                for e in elements {
                    guard case .object(let element) = e else { throw SecretRuleError("a pattern element is not an object") }
                    if element["literal"] != nil {
                        pattern.append(.literal(try strings("literal", element).map { Array($0.utf8) }))
                    } else if let chars = element["chars"]?.stringValue {
                        let min = try integer("min", in: element), max = try integer("max", in: element)
                        guard min >= 1, min <= max else { throw SecretRuleError("a run needs 1 ≤ min ≤ max") }
                        pattern.append(.run(try CharacterClass(chars), min: min, max: max))
                    } else {
                        throw SecretRuleError("a pattern element needs literal or chars")
                    }
                }
                kind = .token(pattern: pattern, keywordOffset: try integer("keyword_offset", in: o, default: 0))
            case "assignment":
                guard case .object(let value)? = o["value"], let chars = value["chars"]?.stringValue else {
                    throw SecretRuleError("an assignment rule needs value.chars")
                }
                let min = try integer("min", in: value), max = try integer("max", in: value)
                guard min >= 1, min <= max else { throw SecretRuleError("the value needs 1 ≤ min ≤ max") }
                var requireMixed = false
                if case .bool(let b)? = value["require_digit_or_symbol"] { requireMixed = b }
                kind = .assignment(value: try CharacterClass(chars), min: min, max: max, requireDigitOrSymbol: requireMixed)
            case "private-key-block":
                kind = .privateKeyBlock(minBodyCharacters: try integer("min_body", in: o, default: 64))
            case "jwt":
                kind = .jsonWebToken
            case "url-password":
                kind = .urlPassword(schemes: Set(try strings("schemes").map { $0.lowercased() }))
            case let other:
                throw SecretRuleError("unknown kind \(other)")
            }
        } catch {
            throw SecretRuleError("rule \(id): \(error.description)")
        }
    }
}
