/// The fast path of strict record reading: a record line exactly as ai-mem writes
/// it — members in the canonical order, no whitespace, no `\u` escapes — read
/// straight into an `Observation` without building a JSON tree.
///
/// It never decides that a line is invalid: on anything unusual it returns nil
/// and the caller falls back to `JSONParser` + `StrictRecord.decode`, which
/// accepts or refuses with the exact reason. What it accepts, the slow path
/// accepts with the same result (`FastPathTests` compares them).
public struct CanonicalRecordReader {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private var scratch: [UInt8] = []

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The observation in `line`, or nil when the slow path must decide.
    public static func read(_ line: UnsafeRawBufferPointer, expected: (model: String, dim: Int)?) -> Observation? {
        var reader = CanonicalRecordReader(line)
        guard let record = reader.record(expected: expected), reader.literal("}"), reader.position == line.count else { return nil }
        return record
    }

    /// A payload-2 record line: the observation, then its `author` member last.
    public static func readWithAuthor(_ line: UnsafeRawBufferPointer, expected: (model: String, dim: Int)?) -> (Observation, AuthorClaim)? {
        var reader = CanonicalRecordReader(line)
        guard let record = reader.record(expected: expected), let author = reader.author(),
              reader.literal("}"), reader.position == line.count else { return nil }
        return (record, author)
    }

    /// `,"author":{"key_id":"…","signature":"…"|null}`
    private mutating func author() -> AuthorClaim? {
        guard literal(#","author":{"key_id":"#), let keyID = string(), AuthorClaim.isKeyID(keyID), literal(#","signature":"#) else { return nil }
        if literal("null}") { return AuthorClaim(keyID: keyID, signature: nil) }
        guard let text = string(), let bytes = Base64.decode(text), bytes.count == 64, literal("}") else { return nil }
        return AuthorClaim(keyID: keyID, signature: bytes)
    }

    private mutating func record(expected: (model: String, dim: Int)?) -> Observation? {
        guard literal(#"{"id":"#), let id = string(), StrictRecord.isValidID(id),
              literal(#","session_id":"#), let sessionID = optionalString(),
              literal(#","project":"#), let project = string(),
              literal(#","type":"#), let type = string(), !type.isEmpty,
              literal(#","concept":"#), let concept = optionalString(),
              literal(#","title":"#), let title = optionalString(),
              literal(#","content":"#), let content = string(), !content.isEmpty,
              literal(#","summary":"#), let summary = optionalString(),
              literal(#","content_hash":"#), let hash = string(), ContentHash.isWellFormed(hash),
              literal(#","created_at":"#), let createdAt = number(),
              literal(#","updated_at":"#), let updatedAt = number(),
              literal(#","importance_score":"#), let importance = number(),
              literal(#","tags":"#), let tags = stringArray(),
              literal(#","metadata":"#), let metadataValue = nested(open: 0x7B, close: 0x7D), case .object(let metadata) = metadataValue,
              literal(#","diff":"#), let diff = optionalString(),
              literal(#","assets":"#), let assetsValue = nested(open: 0x5B, close: 0x5D), case .array(let assets) = assetsValue,
              literal(#","embedding":"#)
        else { return nil }
        var embedding: Embedding? = nil
        if !literal("null") {
            guard literal(#"{"model":"#), let model = string(), !model.isEmpty, model.utf8.count <= 200,
                  literal(#","dim":"#), let dim = integer(), dim > 0, dim <= Embedding.maxDimension,
                  literal(#","vector":""#), let vector = base64Floats(count: dim), literal(#""}"#)
            else { return nil }
            if let expected, model == expected.model, dim != expected.dim { return nil }
            embedding = Embedding(model: model, vector: vector)
        }
        return Observation(
            id: id, sessionID: sessionID.value, project: project, type: type, concept: concept.value, title: title.value,
            content: content, summary: summary.value, contentHash: hash, createdAt: createdAt, updatedAt: updatedAt,
            importanceScore: importance, tags: tags, metadata: metadata, diff: diff.value, assets: assets, embedding: embedding)
    }

    /// Consumes `text` if the input continues with it.
    private mutating func literal(_ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard bytes.count - position >= n else { return false }
        let p = text.utf8Start
        for i in 0..<n where bytes[position + i] != p[i] { return false }
        position += n
        return true
    }

    /// A string or null (`.some(nil)` for null; nil: not canonical).
    private mutating func optionalString() -> Box<String?>? {
        if literal("null") { return Box(value: nil) }
        guard let s = string() else { return nil }
        return Box(value: s)
    }

    struct Box<T> { var value: T }

    /// A JSON string with the simple escapes only; valid UTF-8.
    private mutating func string() -> String? {
        guard position < bytes.count, bytes[position] == 0x22 else { return nil }
        position += 1
        var segmentStart = position
        var sawNonASCII = false
        var escaped = false
        scratch.removeAll(keepingCapacity: true)
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x22 {
                let tail = UnsafeRawBufferPointer(rebasing: bytes[segmentStart..<position])
                position += 1
                if !escaped {
                    let buffer = tail.bindMemory(to: UInt8.self)
                    return sawNonASCII ? String(validating: buffer, as: UTF8.self) : String(decoding: buffer, as: UTF8.self)
                }
                scratch.append(contentsOf: tail)
                return String(validating: scratch, as: UTF8.self)
            }
            if byte == 0x5C {
                escaped = true
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[segmentStart..<position]))
                guard position + 1 < bytes.count else { return nil }
                switch bytes[position + 1] {
                case 0x22: scratch.append(0x22)
                case 0x5C: scratch.append(0x5C)
                case 0x2F: scratch.append(0x2F)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                default: return nil  // \u escapes and invalid ones: the slow path decides.
                }
                position += 2
                segmentStart = position
                continue
            }
            if byte < 0x20 { return nil }
            if byte >= 0x80 { sawNonASCII = true }
            position += 1
        }
        return nil
    }

    /// A finite JSON number (RFC 8259 grammar).
    private mutating func number() -> Double? {
        let start = position
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if position < bytes.count, bytes[position] == 0x2D { position += 1 }
        guard digit(position) else { return nil }
        if bytes[position] == 0x30 {
            position += 1
            if digit(position) { return nil }
        } else {
            while digit(position) { position += 1 }
        }
        if position < bytes.count, bytes[position] == 0x2E {
            position += 1
            guard digit(position) else { return nil }
            while digit(position) { position += 1 }
        }
        if position < bytes.count, bytes[position] == 0x65 || bytes[position] == 0x45 {
            position += 1
            if position < bytes.count, bytes[position] == 0x2B || bytes[position] == 0x2D { position += 1 }
            guard digit(position) else { return nil }
            while digit(position) { position += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]).bindMemory(to: UInt8.self), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// A non-negative integer of at most 9 digits, no leading zero.
    private mutating func integer() -> Int? {
        var value = 0
        let start = position
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39, position - start < 9 {
            value = value * 10 + Int(bytes[position] - 0x30)
            position += 1
        }
        guard position > start, !(bytes[start] == 0x30 && position - start > 1) else { return nil }
        if position < bytes.count, (bytes[position] >= 0x30 && bytes[position] <= 0x39) || bytes[position] == 0x2E || bytes[position] | 0x20 == 0x65 {
            return nil
        }
        return value
    }

    private mutating func stringArray() -> [String]? {
        guard literal("[") else { return nil }
        var result: [String] = []
        if literal("]") { return result }
        repeat {
            guard let s = string() else { return nil }
            result.append(s)
        } while literal(",")
        return literal("]") ? result : nil
    }

    /// An object or array, found by bracket matching and then read by `JSONParser`
    /// (which checks it fully) at the depth it has inside a record.
    private mutating func nested(open: UInt8, close: UInt8) -> JSONValue? {
        guard position < bytes.count, bytes[position] == open else { return nil }
        let start = position
        var depth = 0
        var inString = false
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if inString {
                if byte == 0x5C { position += 1 } else if byte == 0x22 { inString = false }
                continue
            }
            switch byte {
            case 0x22: inString = true
            case 0x7B, 0x5B: depth += 1
            case 0x7D, 0x5D:
                depth -= 1
                if depth == 0 {
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<position]).bindMemory(to: UInt8.self)
                    // A record is depth 1, its members' values one deeper.
                    return try? JSONParser.parse(slice, maxDepth: JSONParser.defaultMaxDepth - 1)
                }
            default: break
            }
        }
        return nil
    }

    /// `count` finite little-endian float32 values from canonical base64, up to the closing quote.
    private mutating func base64Floats(count: Int) -> [Float]? {
        let start = position
        guard let end = (start..<bytes.count).first(where: { bytes[$0] == 0x22 }) else { return nil }
        guard let raw = Base64.decode(UnsafeRawBufferPointer(rebasing: bytes[start..<end])), raw.count == count * 4 else { return nil }
        position = end
        let vector = raw.withUnsafeBytes { Embedding.vector(fromLittleEndian: $0) }
        guard let vector, vector.allSatisfy(\.isFinite) else { return nil }
        return vector
    }
}
