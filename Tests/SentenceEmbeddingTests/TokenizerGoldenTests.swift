import AIMemCore
import Foundation
import MemoryStore
import Testing
@testable import SentenceEmbedding

/// The tokenizer against Hugging Face's own (Fixtures/tokenizer-golden.json,
/// written by Reference/tokenizer_golden.py): unicode, accents, punctuation,
/// unknown words, controls, whitespace kinds, and inputs past the limit.
@Suite(ModelSupport.enabled)
struct TokenizerGoldenTests {
    @Test func everyGoldenCaseGivesTheSameTokensAndIDs() throws {
        let tokenizer = try ModelSupport.embedder().tokenizer
        let golden = try ModelSupport.fixture("tokenizer-golden.json")
        let cases = try #require(golden["cases"]?.arrayValue)
        #expect(cases.count >= 20)
        for value in cases {
            let entry = try #require(value.objectValue)
            let name = try #require(entry["name"]?.stringValue)
            let text = try #require(entry["text"]?.stringValue)
            let tokens = try #require(entry["tokens"]?.arrayValue).compactMap(\.stringValue)
            let ids = try #require(entry["ids"]?.arrayValue).compactMap { $0.doubleValue.map { Int32($0) } }
            #expect(tokenizer.encode(text) == ids, "case \(name)")
            #expect(tokenizer.tokens(text) == tokens, "case \(name)")
        }
    }

    /// 400 seeded random strings over many scripts, marks, controls, spaces and
    /// emoji (Fixtures/tokenizer-random.json, Reference/tokenizer_random.py).
    @Test func randomUnicodeStringsGiveHuggingFacesIDs() throws {
        let tokenizer = try ModelSupport.embedder().tokenizer
        let cases = try #require(try ModelSupport.fixture("tokenizer-random.json")["cases"]?.arrayValue)
        #expect(cases.count == 400)
        var mismatches = 0
        for value in cases {
            let entry = try #require(value.objectValue)
            let text = try #require(entry["text"]?.stringValue)
            let ids = try #require(entry["ids"]?.arrayValue).compactMap { $0.doubleValue.map { Int32($0) } }
            if tokenizer.encode(text) != ids {
                mismatches += 1
                Issue.record("\(text.debugDescription): \(tokenizer.tokens(text)) ≠ \(ids)")
            }
        }
        #expect(mismatches == 0)
    }

    @Test func inputsPastTheLimitAreTruncatedToTheModelsMaximum() throws {
        let tokenizer = try ModelSupport.embedder().tokenizer
        #expect(tokenizer.maxLength == 256)
        let ids = tokenizer.encode(String(repeating: "memory ", count: 1000))
        #expect(ids.count == 256)
        #expect(ids.first == tokenizer.vocabulary.id(of: "[CLS]"))
        #expect(ids.last == tokenizer.vocabulary.id(of: "[SEP]"))
    }

    @Test func aWordOfMoreThanAHundredCharactersIsUnknown() throws {
        let tokenizer = try ModelSupport.embedder().tokenizer
        #expect(tokenizer.tokens(String(repeating: "a", count: 101)) == ["[CLS]", "[UNK]", "[SEP]"])
        #expect(tokenizer.tokens(String(repeating: "a", count: 100)).count > 3)
    }
}

/// Rules that need no model files: a tiny vocabulary.
struct TokenizerRuleTests {
    let tokenizer = try! WordPieceTokenizer(
        vocabulary: try! Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##believ", "##able", "cafe", ",", "!", "東"]),
        maxLength: 6)

    @Test func greedyLongestMatchWithContinuations() {
        #expect(tokenizer.tokens("Unbelievable") == ["[CLS]", "un", "##believ", "##able", "[SEP]"])
        #expect(tokenizer.tokens("unbelievablx") == ["[CLS]", "[UNK]", "[SEP]"])
    }

    @Test func accentsCaseAndPunctuation() {
        #expect(tokenizer.tokens("CAFÉ,cafe\u{301}!") == ["[CLS]", "cafe", ",", "cafe", "!", "[SEP]"])
        #expect(tokenizer.tokens("東東") == ["[CLS]", "東", "東", "[SEP]"])
    }

    @Test func truncationKeepsClassifierAndSeparator() {
        #expect(tokenizer.tokens("cafe cafe cafe cafe cafe") == ["[CLS]", "cafe", "cafe", "cafe", "cafe", "[SEP]"])
    }

    @Test func aVocabularyWithoutSpecialTokensIsRefused() {
        #expect(throws: EmbeddingError.invalidModel(reason: "the vocabulary lacks [UNK], [CLS] or [SEP]")) {
            try WordPieceTokenizer(vocabulary: try Vocabulary(tokens: ["a"]), maxLength: 8)
        }
    }
}
