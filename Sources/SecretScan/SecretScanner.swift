import AIMemCore

/// One secret found in a text: which rule, and the UTF-8 byte range of the secret
/// itself (for an assignment or a URL, the value or the password, not the name).
public struct SecretMatch: Sendable, Hashable {
    public var ruleID: String
    public var family: String
    public var description: String
    public var range: Range<Int>
}

/// Finds credentials in text with the rules of a rules file (Rules/secret-rules.json,
/// compiled in). One pass of a keyword automaton over the bytes finds the places
/// worth a look; only there does a rule's matcher run. Shapes, entropy, checksums
/// and allowlists decide what counts.
public final class SecretScanner: Sendable {
    /// The rules compiled into ai-mem.
    public static let standard: SecretScanner = {
        do { return try SecretScanner(rulesFile: PackageResources.secret_rules_json) } catch { preconditionFailure("Rules/secret-rules.json: \(error)") }
    }()

    /// The first 16 hex digits of the rules file's SHA-256: results stored with it
    /// are stale when the rules change.
    public let rulesDigest: String
    /// The rule ids, in file order.
    public let ruleIDs: [String]
    let ruleIDSet: Set<String>
    let rules: [SecretRule]
    let automaton: KeywordAutomaton
    let rulesOfKeyword: [[Int]]
    /// Lowercase substrings that make a value a placeholder, not a secret.
    let stopwords: [[UInt8]]
    /// Documented example values, never secrets.
    let examples: Set<[UInt8]>

    public init(rulesFile: [UInt8]) throws(SecretRuleError) {
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(rulesFile) } catch { throw SecretRuleError("the rules file is not JSON: \(error)") }
        guard case .object(let top) = parsed, let list = top["rules"]?.arrayValue else { throw SecretRuleError("the rules file lacks rules") }
        var rules: [SecretRule] = []
        for r in list { rules.append(try SecretRule(r)) }
        guard Set(rules.map(\.id)).count == rules.count else { throw SecretRuleError("two rules share an id") }
        for r in rules where r.id.utf8.contains(where: { !(0x61...0x7A).contains($0) && !(0x30...0x39).contains($0) && $0 != 0x2D }) {
            throw SecretRuleError("rule id \(r.id) is not lowercase letters, digits and hyphens")
        }
        var keywords: [[UInt8]] = []
        var index: [String: Int] = [:]
        var rulesOfKeyword: [[Int]] = []
        for (i, r) in rules.enumerated() {
            for k in r.keywords {
                if let known = index[k] {
                    rulesOfKeyword[known].append(i)
                } else {
                    index[k] = keywords.count
                    keywords.append(Array(k.utf8))
                    rulesOfKeyword.append([i])
                }
            }
        }
        self.rules = rules
        ruleIDs = rules.map(\.id)
        ruleIDSet = Set(ruleIDs)
        automaton = try KeywordAutomaton(keywords: keywords)
        self.rulesOfKeyword = rulesOfKeyword
        func strings(_ key: String) throws(SecretRuleError) -> [String] {
            guard let a = top[key]?.arrayValue else { return [] }
            var out: [String] = []
            for v in a {
                guard let s = v.stringValue, !s.isEmpty else { throw SecretRuleError("\(key) holds a value that is not a non-empty string") }
                out.append(s)
            }
            return out
        }
        stopwords = try strings("stopwords").map { Array($0.lowercased().utf8) }
        examples = Set(try strings("examples").map { Array($0.utf8) })
        rulesDigest = Hex.encode(Array(SHA256.hash(rulesFile).prefix(8)))
    }

    /// Every secret in `text`, in order, overlapping findings resolved (the higher
    /// priority, then the earlier and longer, wins).
    public func scan(_ text: UnsafeRawBufferPointer) -> [SecretMatch] {
        var found: [(rule: Int, range: Range<Int>)] = []
        automaton.forEachMatch(in: text) { keyword, start in
            for r in rulesOfKeyword[keyword] {
                if let range = match(rules[r], in: text, keywordStart: start, keywordLength: automaton.keywordLengths[keyword]),
                   !found.contains(where: { $0.rule == r && $0.range == range }) {
                    found.append((r, range))
                }
            }
        }
        guard !found.isEmpty else { return [] }
        found.sort { a, b in
            let pa = rules[a.rule].priority, pb = rules[b.rule].priority
            if pa != pb { return pa > pb }
            if a.range.lowerBound != b.range.lowerBound { return a.range.lowerBound < b.range.lowerBound }
            return a.range.count > b.range.count
        }
        var kept: [(rule: Int, range: Range<Int>)] = []
        for f in found where !kept.contains(where: { $0.range.overlaps(f.range) }) { kept.append(f) }
        kept.sort { $0.range.lowerBound < $1.range.lowerBound }
        return kept.map { SecretMatch(ruleID: rules[$0.rule].id, family: rules[$0.rule].family, description: rules[$0.rule].description, range: $0.range) }
    }

    public func scan(_ text: String) -> [SecretMatch] {
        var text = text
        return text.withUTF8 { scan(UnsafeRawBufferPointer($0)) }
    }

    /// Whether `text` holds any secret.
    public func containsSecret(_ text: String) -> Bool { !scan(text).isEmpty }
}
