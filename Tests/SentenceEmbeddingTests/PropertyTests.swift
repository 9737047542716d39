import AIMemCore
import Foundation
import MemoryStore
import PropertyBased
import Testing
@testable import SentenceEmbedding

/// Properties over arbitrary input: the tokenizer and the HTTP response parser
/// never crash and keep their bounds.
struct PropertyTests {
    /// Any Unicode text: scalars from the whole range (surrogates excluded), controls included.
    static let text = Gen<UInt32>.value(in: 0...0x10FFFF).array(of: 0...300)
        .map { String(String.UnicodeScalarView($0.compactMap(Unicode.Scalar.init))) }
    static let bytes = Gen<UInt8>.value(in: 0...255).array(of: 0...400)

    @Test func tokenizingAnyTextStaysWithinTheLimitAndTheVocabulary() async throws {
        let tokenizer: WordPieceTokenizer
        if ModelSupport.files.isPresent, !ModelSupport.skip {
            tokenizer = try ModelSupport.embedder().tokenizer
        } else {
            tokenizer = try WordPieceTokenizer(vocabulary: try Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "##a", "é"]), maxLength: 64)
        }
        await propertyCheck(count: 300, input: Self.text) { text in
            let ids = tokenizer.encode(text)
            #expect(ids.count >= 2 && ids.count <= tokenizer.maxLength)
            #expect(ids.first == tokenizer.vocabulary.id(of: "[CLS]") && ids.last == tokenizer.vocabulary.id(of: "[SEP]"))
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabulary.count })
        }
    }

    @Test func anyResponseBytesParseOrFailCleanly() async {
        func fail(_ reason: String) -> EmbeddingError { .server(url: "u", reason: reason) }
        let prefixes = ["", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"]
        await propertyCheck(count: 400, input: Self.bytes, Gen<Int>.value(in: 0...3)) { tail, which in
            let response = Array(prefixes[which].utf8) + tail
            do {
                let parsed = try HTTPClient.parse(response, fail: fail)
                #expect((100...599).contains(parsed.status))
                #expect(parsed.body.count <= response.count)
            } catch {
                #expect(error is EmbeddingError)
            }
        }
    }

    @Test func chunkedBodiesReassembleWhateverTheChunkSizes() async throws {
        await propertyCheck(count: 200, input: Self.bytes, Gen<Int>.value(in: 1...64)) { payload, size in
            var wire = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            var offset = 0
            while offset < payload.count {
                let n = min(size, payload.count - offset)
                wire += Array("\(String(n, radix: 16))\r\n".utf8) + payload[offset..<(offset + n)] + [13, 10]
                offset += n
            }
            wire += Array("0\r\n\r\n".utf8)
            let parsed = try? HTTPClient.parse(wire) { EmbeddingError.server(url: "u", reason: $0) }
            #expect(parsed?.body == payload)
        }
    }
}
