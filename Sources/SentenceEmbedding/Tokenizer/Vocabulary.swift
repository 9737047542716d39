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
        guard data.count <= Self.maxFileBytes, let text = String(data: data, encoding: .utf8) else {
            throw EmbeddingError.invalidModel(reason: "\(url.path) is not a UTF-8 vocabulary of at most \(Self.maxFileBytes >> 20) MiB")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines)
    }

    public func id(of token: String) -> Int32? { ids[token] }

    public func token(of id: Int32) -> String? {
        tokens.indices.contains(Int(id)) ? tokens[Int(id)] : nil
    }
}
