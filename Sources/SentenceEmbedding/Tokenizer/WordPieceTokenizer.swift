/// BERT's uncased WordPiece tokenizer, as all-MiniLM-L6-v2's `tokenizer.json`
/// configures it (Hugging Face tokenizers' `BertNormalizer`, `BertPreTokenizer`,
/// `WordPiece` and the `[CLS] … [SEP]` template):
///
/// 1. drop NUL, U+FFFD and control characters; every whitespace becomes a space;
/// 2. put spaces around CJK ideographs;
/// 3. strip accents (NFD, then drop non-spacing marks), then lower-case;
/// 4. split on whitespace, and isolate every punctuation character;
/// 5. split each word greedily into the longest vocabulary pieces (`##` marks a
///    continuation); a word of more than 100 characters, or one that cannot be
///    split, becomes `[UNK]`;
/// 6. truncate to `maxLength` tokens including `[CLS]` and `[SEP]`.
public struct WordPieceTokenizer: Sendable {
    public static let maxInputCharactersPerWord = 100

    public let vocabulary: Vocabulary
    /// The longest sequence produced, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    let unknownID: Int32
    let classifierID: Int32
    let separatorID: Int32

    public init(vocabulary: Vocabulary, maxLength: Int) throws {
        guard let unk = vocabulary.id(of: "[UNK]"), let cls = vocabulary.id(of: "[CLS]"), let sep = vocabulary.id(of: "[SEP]") else {
            throw EmbeddingError.invalidModel(reason: "the vocabulary lacks [UNK], [CLS] or [SEP]")
        }
        guard maxLength >= 2 else { throw EmbeddingError.invalidModel(reason: "the maximum sequence length \(maxLength) is below 2") }
        self.vocabulary = vocabulary
        self.maxLength = maxLength
        unknownID = unk
        classifierID = cls
        separatorID = sep
    }

    /// Token ids: `[CLS]`, the text's pieces (truncated), `[SEP]`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [classifierID]
        let budget = maxLength - 2
        // A long text is normalised and split a segment at a time, and only until the
        // budget is full: a 16 MiB memory costs what its first words cost.
        outer: for segment in Self.segments(of: text) {
            for word in Self.words(in: segment) {
                for id in pieces(of: word) {
                    if ids.count - 1 == budget { break outer }
                    ids.append(id)
                }
            }
        }
        ids.append(separatorID)
        return ids
    }

    /// `text` cut, lazily, into pieces of at least `segmentScalars` scalars, each cut
    /// made just before an ASCII space, tab, line break or punctuation character.
    /// Steps 1–4 give the same words for the pieces, one after the other, as for the
    /// whole text: such a character ends a word wherever it is, is unchanged by
    /// normalisation, and no combining mark reorders across it.
    static func segments(of text: String, segmentScalars: Int = 8192) -> AnySequence<Substring> {
        let scalars = text.unicodeScalars
        return AnySequence { () -> AnyIterator<Substring> in
            var start = scalars.startIndex
            return AnyIterator {
                guard start < scalars.endIndex else { return nil }
                var index = start
                var length = 0
                while index < scalars.endIndex {
                    let scalar = scalars[index]
                    if length >= segmentScalars, scalar.isASCII,
                       scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || TextNormalizer.isPunctuation(scalar) {
                        break
                    }
                    length += 1
                    index = scalars.index(after: index)
                }
                defer { start = index }
                return Substring(scalars[start..<index])
            }
        }
    }

    /// The pieces of `encode` as strings, for tests and diagnostics.
    public func tokens(_ text: String) -> [String] {
        encode(text).map { vocabulary.token(of: $0) ?? "[UNK]" }
    }

    /// Steps 1 to 4: the normalised words of `text`.
    public static func words<S: StringProtocol>(in text: S) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        func flush() {
            if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
        }
        for scalar in TextNormalizer.normalize(String(text)) {
            if scalar == " " {
                flush()
            } else if TextNormalizer.isPunctuation(scalar) {
                flush()
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        flush()
        return words
    }

    /// Step 5 for one word.
    func pieces(of word: [Unicode.Scalar]) -> [Int32] {
        guard word.count <= Self.maxInputCharactersPerWord else { return [unknownID] }
        // The word's UTF-8 bytes, and where each scalar starts in them.
        var utf8: [UInt8] = []
        var offsets: [Int] = []
        for scalar in word {
            offsets.append(utf8.count)
            utf8 += UTF8.encode(scalar)!
        }
        offsets.append(utf8.count)
        var piece: [UInt8] = []
        piece.reserveCapacity(utf8.count + 2)
        var result: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32? = nil
            while start < end {
                piece.removeAll(keepingCapacity: true)
                if start > 0 { piece += [0x23, 0x23] }  // "##"
                piece += utf8[offsets[start]..<offsets[end]]
                if let id = piece.withUnsafeBufferPointer({ vocabulary.id(ofUTF8: $0) }) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let found else { return [unknownID] }
            result.append(found)
            start = end
        }
        return result
    }
}
