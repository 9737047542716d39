import Foundation
import Testing
@testable import SentenceEmbedding

/// A long text is normalised and split a segment at a time (issue 14, item 6): the
/// words are exactly those of the whole text, and a 16 MiB memory costs what its
/// first words cost.
struct TokenizerSegmentTests {
    /// Letters of several scripts and cases, combining marks, CJK, controls, all kinds of spaces and punctuation.
    static let alphabet: [Unicode.Scalar] = Array("aZé\u{301}\u{327}ñß山中😀 \t\n\r\u{A0}\u{2003}.,;!?-'\"()[]\u{0}\u{7}\u{FFFD}x9".unicodeScalars)

    @Test func segmentsGiveTheWordsOfTheWholeText() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let length = Int.random(in: 0...300, using: &generator)
            var scalars = String.UnicodeScalarView()
            for _ in 0..<length { scalars.append(Self.alphabet.randomElement(using: &generator)!) }
            let text = String(scalars)
            let whole = WordPieceTokenizer.words(in: text)
            for size in [1, 2, 3, 5, 8, 64] {
                let pieces = Array(WordPieceTokenizer.segments(of: text, segmentScalars: size))
                #expect(pieces.joined() == text)
                #expect(pieces.flatMap { WordPieceTokenizer.words(in: $0) } == whole, "\(text.debugDescription) in segments of \(size)")
            }
        }
    }

    @Test func aHugeTextIsReadOnlyAsFarAsTheBudget() throws {
        let vocabulary = try Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "deploy", "the", "canary", "."])
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, maxLength: 256)
        let sentence = "Deploy the canary. "
        let huge = String(repeating: sentence, count: (16 << 20) / sentence.utf8.count)
        let started = ContinuousClock.now
        let ids = tokenizer.encode(huge)
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(ids == tokenizer.encode(String(repeating: sentence, count: 100)))
        #expect(ids.count == 256)
    }
}
