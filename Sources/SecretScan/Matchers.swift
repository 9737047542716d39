import AIMemCore

/// What each kind of rule accepts at a keyword hit (SecretRule.Kind).
extension SecretScanner {
    func match(_ rule: SecretRule, in text: UnsafeRawBufferPointer, keywordStart: Int, keywordLength: Int) -> Range<Int>? {
        let range: Range<Int>?
        switch rule.kind {
        case .token(let pattern, let offset):
            range = token(pattern, in: text, start: keywordStart - offset)
        case .assignment(let value, let min, let max, let mixed):
            range = assignment(in: text, keywordEnd: keywordStart + keywordLength, value: value, min: min, max: max, requireDigitOrSymbol: mixed)
        case .privateKeyBlock(let minBody):
            range = privateKeyBlock(in: text, start: keywordStart, minBody: minBody)
        case .jsonWebToken:
            range = jsonWebToken(in: text, start: keywordStart)
        case .urlPassword(let schemes):
            range = urlPassword(in: text, separator: keywordStart, schemes: schemes)
        }
        guard let range, accepts(rule, UnsafeRawBufferPointer(rebasing: text[range])) else { return nil }
        return range
    }

    /// The checks every kind shares: allowlists, placeholders, entropy, checksum.
    private func accepts(_ rule: SecretRule, _ secret: UnsafeRawBufferPointer) -> Bool {
        let bytes = Array(secret)
        if examples.contains(bytes) { return false }
        if let s = String(validating: bytes, as: UTF8.self), rule.allow.contains(s) { return false }
        if Self.isPlaceholder(bytes, stopwords: stopwords) { return false }
        if rule.entropy > 0, Self.entropy(bytes) < rule.entropy { return false }
        if let checksum = rule.checksum, !Self.verify(checksum, bytes) { return false }
        return true
    }

    // MARK: Kinds

    private func token(_ pattern: [SecretRule.Element], in text: UnsafeRawBufferPointer, start: Int) -> Range<Int>? {
        guard start >= 0 else { return nil }
        // A token starts at a word boundary.
        if start > 0, CharacterClass.alphanumeric.contains(text[start - 1]) { return nil }
        guard let end = Self.match(pattern, 0, in: text, at: start) else { return nil }
        // ... and ends at one: the byte after it may not be a letter or digit that
        // continues its last part (punctuation after it, such as a full stop, ends it).
        if end < text.count {
            let next = text[end]
            if CharacterClass.alphanumeric.contains(next) {
                switch pattern.last! {
                case .run(let chars, _, _): if chars.contains(next) { return nil }
                case .literal: return nil
                }
            }
        }
        return start..<end
    }

    /// The end of `pattern[element...]` matched at `position`, or nil. Runs are greedy
    /// and give back bytes when a later element fails.
    private static func match(_ pattern: [SecretRule.Element], _ element: Int, in text: UnsafeRawBufferPointer, at position: Int) -> Int? {
        guard element < pattern.count else { return position }
        switch pattern[element] {
        case .literal(let options):
            for option in options where position + option.count <= text.count {
                var equal = true
                for (i, b) in option.enumerated() where text[position + i] != b {
                    equal = false
                    break
                }
                if equal, let end = match(pattern, element + 1, in: text, at: position + option.count) { return end }
            }
            return nil
        case .run(let chars, let min, let max):
            var length = 0
            while length < max, position + length < text.count, chars.contains(text[position + length]) { length += 1 }
            guard length >= min else { return nil }
            if element + 1 == pattern.count { return position + length }
            while length >= min {
                if let end = match(pattern, element + 1, in: text, at: position + length) { return end }
                length -= 1
            }
            return nil
        }
    }

    private static let nameCharacters = try! CharacterClass("A-Za-z0-9_.-")
    private static let quotes = try! CharacterClass("\"'`")

    /// `name … <op> value` after a keyword: the rest of the name (up to 20 bytes of
    /// `[A-Za-z0-9_.-]`), quotes and spaces, an operator (`=`, `:`, `:=`, `=>`, or the
    /// word `is` in lower case, not after a name ending in `.`), quotes and spaces, then the value.
    private func assignment(in text: UnsafeRawBufferPointer, keywordEnd: Int, value: CharacterClass, min: Int, max: Int,
                            requireDigitOrSymbol: Bool) -> Range<Int>? {
        var i = keywordEnd
        var skipped = 0
        while i < text.count, skipped < 20, Self.nameCharacters.contains(text[i]) { i += 1; skipped += 1 }
        // A name ending in a full stop ends a sentence: an `is` after it starts the next one.
        let nameEndsSentence = i > keywordEnd && text[i - 1] == 0x2E
        skipped = 0
        while i < text.count, skipped < 3, text[i] == 0x20 || text[i] == 0x09 || Self.quotes.contains(text[i]) { i += 1; skipped += 1 }
        guard i < text.count else { return nil }
        switch text[i] {
        case 0x3D:  // = or =>
            i += 1
            if i < text.count, text[i] == 0x3E { i += 1 }
        case 0x3A:  // : or :=
            i += 1
            if i < text.count, text[i] == 0x3D { i += 1 }
        case 0x69:  // is (lower case, after a space, not after a sentence's end)
            guard i + 2 < text.count, text[i + 1] == 0x73, text[i + 2] == 0x20, i > keywordEnd, text[i - 1] == 0x20, !nameEndsSentence else { return nil }
            i += 2
        default:
            return nil
        }
        skipped = 0
        while i < text.count, skipped < 5, text[i] == 0x20 || text[i] == 0x09 || Self.quotes.contains(text[i]) { i += 1; skipped += 1 }
        let start = i
        while i < text.count, i - start < max + 1, value.contains(text[i]) { i += 1 }
        let length = i - start
        guard length >= min, length <= max else { return nil }
        // A path (`~/.ssh/id_ed25519`, `./certs/key.pem`) is where a secret is, not one.
        let value = UnsafeRawBufferPointer(rebasing: text[start..<i])
        if value.starts(with: Array("~/".utf8)) || value.starts(with: Array("./".utf8)) || value.starts(with: Array("../".utf8)) { return nil }
        for j in 0..<(value.count - 1) where value[j] == 0x2F && value[j + 1] == 0x2E { return nil }
        if requireDigitOrSymbol {
            var mixed = false
            // A digit or a symbol other than the ones names are made of (`_ - .`).
            for b in UnsafeRawBufferPointer(rebasing: text[start..<i])
            where !(0x41...0x5A).contains(b) && !(0x61...0x7A).contains(b) && b != 0x5F && b != 0x2D && b != 0x2E {
                mixed = true
                break
            }
            if !mixed { return nil }
        }
        return start..<i
    }

    private static let begin = Array("-----BEGIN".utf8)
    private static let end = Array("-----END".utf8)
    private static let privateKey = Array("PRIVATE KEY-----".utf8)
    private static let base64Characters = try! CharacterClass("A-Za-z0-9+/=")

    /// `-----BEGIN … PRIVATE KEY-----`, a body of at least `minBody` base64
    /// characters, and its `-----END … -----` line (or, cut short, the body's end).
    /// Newlines may be real or written `\n` (a key inside JSON).
    private func privateKeyBlock(in text: UnsafeRawBufferPointer, start: Int, minBody: Int) -> Range<Int>? {
        guard Self.hasPrefix(text, start, Self.begin) else { return nil }
        // The label: up to 40 bytes of capitals and spaces ending in PRIVATE KEY-----.
        var i = start + Self.begin.count
        let labelLimit = Swift.min(text.count, i + 60)
        var headerEnd: Int? = nil
        while i < labelLimit {
            let b = text[i]
            if Self.hasPrefix(text, i, Self.privateKey) {
                headerEnd = i + Self.privateKey.count
                break
            }
            guard b == 0x20 || (0x41...0x5A).contains(b) else { return nil }
            i += 1
        }
        guard let headerEnd else { return nil }
        let limit = Swift.min(text.count, headerEnd + 16 << 10)
        var body = 0
        i = headerEnd
        while i < limit {
            if text[i] == 0x2D, Self.hasPrefix(text, i, Self.end) {
                // Through the end line's closing dashes.
                var j = i + Self.end.count
                while j < limit, j - i < 60, text[j] != 0x0A, !Self.hasPrefix(text, j, Array("-----".utf8)) { j += 1 }
                if Self.hasPrefix(text, j, Array("-----".utf8)) { j += 5 }
                return body >= minBody ? start..<j : nil
            }
            if Self.base64Characters.contains(text[i]) {
                body += 1
            } else if text[i] == 0x5C, i + 1 < limit, text[i + 1] == 0x6E {
                i += 1  // an escaped newline: not part of the body
            } else if text[i] != 0x0A, text[i] != 0x0D, text[i] != 0x20, text[i] != 0x3A, text[i] != 0x2C, text[i] != 0x2D {
                // Neither key material nor the header lines of an encrypted key: the block ended, cut short.
                break
            }
            i += 1
        }
        return body >= minBody ? start..<i : nil
    }

    private static let base64URL = try! CharacterClass("A-Za-z0-9_-")

    /// `eyJ…` `.` `eyJ…` `.` signature: each segment base64url; the header decodes to a
    /// JSON object with an `alg` string and the payload to a JSON object.
    private func jsonWebToken(in text: UnsafeRawBufferPointer, start: Int) -> Range<Int>? {
        guard Self.hasPrefix(text, start, Array("eyJ".utf8)) else { return nil }
        if start > 0, Self.base64URL.contains(text[start - 1]) { return nil }
        var segments: [Range<Int>] = []
        var i = start
        for n in 0..<3 {
            let s = i
            while i < text.count, i - s <= 8192, Self.base64URL.contains(text[i]) { i += 1 }
            guard i - s >= 10 else { return nil }
            segments.append(s..<i)
            if n < 2 {
                guard i < text.count, text[i] == 0x2E else { return nil }
                i += 1
            }
        }
        guard let header = Self.jsonObject(base64URL: UnsafeRawBufferPointer(rebasing: text[segments[0]])),
              header["alg"]?.stringValue != nil,
              Self.jsonObject(base64URL: UnsafeRawBufferPointer(rebasing: text[segments[1]])) != nil else { return nil }
        return start..<i
    }

    private static func jsonObject(base64URL segment: UnsafeRawBufferPointer) -> JSONObject? {
        guard let bytes = Base64.decode(segment, alphabet: .url), let value = try? JSONParser.parse(bytes) else { return nil }
        return value.objectValue
    }

    private static let schemeCharacters = try! CharacterClass("A-Za-z0-9+.-")
    private static let userinfoStop = try! CharacterClass("@/?#\"'`<> \\\t\r\n")

    /// `scheme://user:password@host` around the `://` at `separator`.
    private func urlPassword(in text: UnsafeRawBufferPointer, separator: Int, schemes: Set<String>) -> Range<Int>? {
        guard Self.hasPrefix(text, separator, Array("://".utf8)) else { return nil }
        var s = separator
        while s > 0, separator - s < 20, Self.schemeCharacters.contains(text[s - 1]) { s -= 1 }
        guard s < separator, let scheme = String(validating: UnsafeRawBufferPointer(rebasing: text[s..<separator]), as: UTF8.self),
              schemes.contains(scheme.lowercased()) else { return nil }
        var i = separator + 3
        let userStart = i
        var colon: Int? = nil
        while i < text.count, i - userStart < 512, !Self.userinfoStop.contains(text[i]) {
            if text[i] == 0x3A, colon == nil { colon = i }
            i += 1
        }
        guard let colon, i < text.count, text[i] == 0x40, colon + 1 < i else { return nil }
        // A host must follow.
        guard i + 1 < text.count, CharacterClass.alphanumeric.contains(text[i + 1]) || text[i + 1] == 0x5B else { return nil }
        return (colon + 1)..<i
    }

    private static func hasPrefix(_ text: UnsafeRawBufferPointer, _ at: Int, _ prefix: [UInt8]) -> Bool {
        guard at >= 0, at + prefix.count <= text.count else { return false }
        for (i, b) in prefix.enumerated() where text[at + i] != b { return false }
        return true
    }

    // MARK: Shared checks

    /// Shannon entropy in bits per byte.
    static func entropy(_ bytes: [UInt8]) -> Double {
        guard !bytes.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: 256)
        for b in bytes { counts[Int(b)] += 1 }
        let n = Double(bytes.count)
        var h = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / n
            h -= p * log2(p)
        }
        return h
    }

    /// Placeholders: `<…>`, `${…}`, `{{…}}`, `%s`, `$(…)`, `***`, `...`, one byte repeated,
    /// or a stopword anywhere (case-insensitive).
    static func isPlaceholder(_ bytes: [UInt8], stopwords: [[UInt8]]) -> Bool {
        guard let first = bytes.first else { return true }
        if bytes.allSatisfy({ $0 == first }) { return true }
        let lower = bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        for marker in placeholderMarkers where contains(lower, marker) { return true }
        // printf's %s (not a percent-encoded byte such as %S6).
        if let p = bytes.firstIndex(of: 0x25), p + 1 < bytes.count, bytes[p + 1] == 0x73,
           p + 2 == bytes.count || !CharacterClass.alphanumeric.contains(bytes[p + 2]) { return true }
        for word in stopwords where contains(lower, word) { return true }
        return false
    }

    private static let placeholderMarkers: [[UInt8]] = ["<", "${", "{{", "$(", "***", "...", "\u{2026}", "[redacted:"].map { Array($0.utf8) }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        outer: for i in 0...(haystack.count - needle.count) {
            for j in 0..<needle.count where haystack[i + j] != needle[j] { continue outer }
            return true
        }
        return false
    }

    private static let base62: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    static func verify(_ checksum: SecretRule.Checksum, _ token: [UInt8]) -> Bool {
        switch checksum {
        case .crc32Base62:
            // prefix_ + 30 random + 6 checksum: the random part is what follows the last `_`.
            guard let underscore = token.lastIndex(of: 0x5F) else { return false }
            let body = token[(underscore + 1)...]
            guard body.count == 36 else { return false }
            let random = body.prefix(30), given = body.suffix(6)
            return Array(given) == crc32Base62(CRC32.checksum(random))
        }
    }

    /// A CRC-32 in base62, six characters with leading zeros.
    static func crc32Base62(_ value: UInt32) -> [UInt8] {
        var v = value
        var digits: [UInt8] = []
        repeat {
            digits.append(base62[Int(v % 62)])
            v /= 62
        } while v > 0
        while digits.count < 6 { digits.append(0x30) }
        return digits.reversed()
    }
}

#if canImport(Glibc)
import Glibc
#endif
