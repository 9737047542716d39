import Foundation

/// A WordPiece vocabulary: `vocab.txt`, one token per line, its id the line number.
public struct Vocabulary: Sendable {
    /// Larger vocabularies are refused (BERT's has 30 522 tokens).
    public static let maxTokens = 1_000_000
    public static let maxFileBytes = 64 << 20

    private let ids: [String: Int32]
    private let tokens: [String]

    public var count: Int { tokens.count }

    public init(tokens: [String]) throws {
        guard tokens.count <= Self.maxTokens else { throw EmbeddingError.invalidModel(reason: "the vocabulary has more than \(Self.maxTokens) tokens") }
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, token) in tokens.enumerated() where ids[token] == nil {
            ids[token] = Int32(i)
        }
        self.ids = ids
        self.tokens = tokens
    }

    /// Reads `vocab.txt`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw EmbeddingError.invalidModel(reason: "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard data.count <= Self.maxFileBytes else {
            throw EmbeddingError.invalidModel(reason: "\(url.path) is larger than \(Self.maxFileBytes >> 20) MiB")
        }
        // Split on bytes: splitting a String walks grapheme clusters, ten times slower here.
        var lines: [String] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            for i in 0...bytes.count {
                guard i == bytes.count || bytes[i] == 0x0A else { continue }
                var end = i
                if end > start && bytes[end - 1] == 0x0D { end -= 1 }
                if i < bytes.count || start < bytes.count {
                    guard let line = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) else {
                        throw EmbeddingError.invalidModel(reason: "\(url.path): line \(lines.count + 1) is not UTF-8")
                    }
                    lines.append(line)
                }
                start = i + 1
            }
        }
        try self.init(tokens: lines)
    }

    public func id(of token: String) -> Int32? { ids[token] }

    public func token(of id: Int32) -> String? {
        tokens.indices.contains(Int(id)) ? tokens[Int(id)] : nil
    }
}
