import Foundation

/// A WordPiece vocabulary: `vocab.txt`, one token per line, its id the line number.
/// Tokens are kept as UTF-8 bytes in one buffer with an open-addressing hash
/// table over them: loading 30 522 tokens as Swift strings in a dictionary took
/// 8 to 15 ms, paid by every command that embeds.
public struct Vocabulary: Sendable {
    /// Larger vocabularies are refused (BERT's has 30 522 tokens).
    public static let maxTokens = 1_000_000
    public static let maxFileBytes = 64 << 20

    /// Every token's bytes, one after another.
    private let bytes: [UInt8]
    /// Token `i` is `bytes[starts[i]..<starts[i + 1]]`.
    private let starts: [Int32]
    /// Token ids by hash (linear probing); -1 marks an empty slot.
    private let table: [Int32]

    public var count: Int { starts.count - 1 }

    public init(tokens: [String]) throws {
        var bytes: [UInt8] = []
        var starts: [Int32] = [0]
        for token in tokens {
            bytes += Array(token.utf8)
            starts.append(Int32(bytes.count))
        }
        try self.init(bytes: bytes, starts: starts)
    }

    private init(bytes: [UInt8], starts: [Int32]) throws {
        let count = starts.count - 1
        guard count <= Self.maxTokens else { throw EmbeddingError.invalidModel(reason: "the vocabulary has more than \(Self.maxTokens) tokens") }
        var size = 16
        while size < count * 2 { size <<= 1 }
        var table = [Int32](repeating: -1, count: size)
        bytes.withUnsafeBufferPointer { all in
            for id in 0..<count {
                let token = UnsafeBufferPointer(rebasing: all[Int(starts[id])..<Int(starts[id + 1])])
                var slot = Int(truncatingIfNeeded: Self.hash(token)) & (size - 1)
                while table[slot] >= 0 {
                    let other = Int(table[slot])
                    // A repeated token keeps its last id, as Hugging Face's loaders do.
                    if Self.equal(token, UnsafeBufferPointer(rebasing: all[Int(starts[other])..<Int(starts[other + 1])])) { break }
                    slot = (slot + 1) & (size - 1)
                }
                table[slot] = Int32(id)
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.table = table
    }

    /// Reads `vocab.txt` (lines end in LF or CRLF).
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
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.count)
        var starts: [Int32] = [0]
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var start = 0
            for i in 0...raw.count {
                guard i == raw.count || raw[i] == 0x0A else { continue }
                if i == raw.count && start == raw.count { break }  // no empty line after the last newline
                var end = i
                if end > start && raw[end - 1] == 0x0D { end -= 1 }
                bytes += raw[start..<end]
                starts.append(Int32(bytes.count))
                start = i + 1
            }
        }
        try self.init(bytes: bytes, starts: starts)
    }

    public func id(of token: String) -> Int32? {
        var token = token
        return token.withUTF8 { id(ofUTF8: $0) }
    }

    /// The id of the token with these UTF-8 bytes.
    public func id(ofUTF8 token: UnsafeBufferPointer<UInt8>) -> Int32? {
        bytes.withUnsafeBufferPointer { all in
            var slot = Int(truncatingIfNeeded: Self.hash(token)) & (table.count - 1)
            while table[slot] >= 0 {
                let id = Int(table[slot])
                if Self.equal(token, UnsafeBufferPointer(rebasing: all[Int(starts[id])..<Int(starts[id + 1])])) { return Int32(id) }
                slot = (slot + 1) & (table.count - 1)
            }
            return nil
        }
    }

    public func token(of id: Int32) -> String? {
        guard id >= 0, Int(id) < count else { return nil }
        return String(decoding: bytes[Int(starts[Int(id)])..<Int(starts[Int(id) + 1])], as: UTF8.self)
    }

    /// FNV-1a, 64-bit.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }
}
