import AIMemCore
#if canImport(Glibc)
import Glibc
#endif

/// A secret found in one field of a memory, described without the secret: where
/// it is and a masked excerpt (the text before it on its line, then only the
/// secret's public part: a token's fixed prefix, a key block's first line).
public struct SecretFinding: Sendable, Equatable {
    public var ruleID: String
    public var family: String
    public var description: String
    /// The field: `title`, `content`, `summary`, `diff`, `tags`, `metadata` or `assets`.
    public var field: String
    /// 1-based line and column (in characters) of the secret's start within the field.
    public var line: Int
    public var column: Int
    /// The secret's length in characters.
    public var length: Int
    /// Up to 24 characters before the secret on its line (other secrets in them
    /// masked too), then the secret masked.
    public var excerpt: String

    public init(ruleID: String, family: String, description: String, field: String, line: Int, column: Int, length: Int, excerpt: String) {
        self.ruleID = ruleID
        self.family = family
        self.description = description
        self.field = field
        self.line = line
        self.column = column
        self.length = length
        self.excerpt = excerpt
    }
}

extension SecretScanner {
    /// The findings in `text`, a memory's `field`.
    public func findings(in text: String, field: String) -> [SecretFinding] {
        let matches = scan(text)
        guard !matches.isEmpty else { return [] }
        let bytes = Array(text.utf8)
        return matches.map { m in
            var line = 1, lineStart = 0
            for i in 0..<m.range.lowerBound where bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            let column = Self.characters(bytes[lineStart..<m.range.lowerBound]) + 1
            // The context: this line's text before the secret, earlier secrets masked.
            var context = ""
            var cursor = lineStart
            for other in matches where other.range.lowerBound < m.range.lowerBound && other.range.upperBound > lineStart {
                context += Self.text(bytes[cursor..<max(cursor, other.range.lowerBound)])
                context += mask(other, bytes)
                cursor = max(cursor, other.range.upperBound)
            }
            context += Self.text(bytes[min(cursor, m.range.lowerBound)..<m.range.lowerBound])
            if context.count > 24 { context = "…" + String(context.suffix(24)) }
            return SecretFinding(ruleID: m.ruleID, family: m.family, description: m.description, field: field, line: line, column: column,
                                 length: Self.characters(bytes[m.range]), excerpt: context + mask(m, bytes))
        }
    }

    /// The secret reduced to what is public about it: `ghp_…`, `AKIA…`, a key
    /// block's `-----BEGIN … PRIVATE KEY-----…`, else `…`; then its length.
    func mask(_ m: SecretMatch, _ bytes: [UInt8]) -> String {
        let secret = bytes[m.range]
        var visible = 0
        if let rule = rules.first(where: { $0.id == m.ruleID }) {
            switch rule.kind {
            case .token(let pattern, _):
                if case .literal(let options)? = pattern.first,
                   let prefix = options.filter({ secret.starts(with: $0) }).max(by: { $0.count < $1.count }) {
                    visible = prefix.count
                }
            case .privateKeyBlock:
                visible = secret.firstIndex(where: { $0 == 0x0A || $0 == 0x5C }).map { $0 - secret.startIndex } ?? 0
            case .jsonWebToken:
                visible = 3
            case .assignment, .urlPassword:
                visible = 0
            }
        }
        return Self.text(secret.prefix(visible)) + "…(\(Self.characters(secret)) chars)"
    }

    /// `text` with every secret replaced by `[REDACTED:rule-id]`, and what was replaced.
    public func redact(_ text: String) -> (text: String, redactions: [SecretMatch]) {
        let matches = scan(text)
        guard !matches.isEmpty else { return (text, []) }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var cursor = 0
        for m in matches {
            out += bytes[cursor..<m.range.lowerBound]
            out += Array("[REDACTED:\(m.ruleID)]".utf8)
            cursor = m.range.upperBound
        }
        out += bytes[cursor...]
        return (String(decoding: out, as: UTF8.self), matches)
    }

    /// How many `[REDACTED:rule-id]` markers (of this scanner's rules) `text` holds.
    public func redactionMarkers(in text: String) -> Int {
        var text = text
        return text.withUTF8 { redactionMarkers(in: UnsafeRawBufferPointer($0)) }
    }

    /// The same, over UTF-8 bytes (a record line as it travels: the markers are plain ASCII).
    public func redactionMarkers(in bytes: UnsafeRawBufferPointer) -> Int {
        let open = Array("[REDACTED:".utf8)
        var count = 0
        var i = 0
        while i + open.count < bytes.count {
            guard bytes[i] == 0x5B, bytes[i + 1] == 0x52 else { i += 1; continue }
            var j = 0
            while j < open.count, bytes[i + j] == open[j] { j += 1 }
            guard j == open.count else { i += 1; continue }
            var end = i + j
            while end < bytes.count, end - i < 80, bytes[end] != 0x5D { end += 1 }
            if end < bytes.count, bytes[end] == 0x5D,
               ruleIDSet.contains(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(i + j)..<end]), as: UTF8.self)) {
                count += 1
            }
            i = end
        }
        return count
    }

    private static func characters(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

extension SecretScanner {
    /// Whether `summary` is the start of `content` (as ai-mem derives it: the first
    /// 500 characters and `...`): its secrets are the content's, not reported twice.
    public static func summaryRepeatsContent(_ summary: UnsafeRawBufferPointer, _ content: UnsafeRawBufferPointer) -> Bool {
        var length = summary.count
        if length >= 3, summary[length - 1] == 0x2E, summary[length - 2] == 0x2E, summary[length - 3] == 0x2E, length - 3 < content.count { length -= 3 }
        guard length <= content.count else { return false }
        return memcmp(summary.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, content.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, length) == 0
    }

    public static func summaryRepeatsContent(_ summary: String, _ content: String) -> Bool {
        var s = summary, c = content
        return s.withUTF8 { sb in c.withUTF8 { cb in summaryRepeatsContent(UnsafeRawBufferPointer(sb), UnsafeRawBufferPointer(cb)) } }
    }

    /// The findings in every text field of a memory (the fields of `ai-mem scan`:
    /// title, content, summary, diff, and tags, metadata and assets as compact JSON).
    public func findings(in o: Observation) -> [SecretFinding] {
        var out: [SecretFinding] = []
        func add(_ text: String?, _ field: String) {
            if let text, !text.isEmpty { out += findings(in: text, field: field) }
        }
        add(o.title, "title")
        add(o.content, "content")
        if let summary = o.summary, !Self.summaryRepeatsContent(summary, o.content) { add(summary, "summary") }
        add(o.diff, "diff")
        if !o.tags.isEmpty { add(JSONWriter.string(.array(o.tags.map { .string($0) })), "tags") }
        if !o.metadata.members.isEmpty { add(JSONWriter.string(.object(o.metadata)), "metadata") }
        if !o.assets.isEmpty { add(JSONWriter.string(.array(o.assets)), "assets") }
        return out
    }
}
