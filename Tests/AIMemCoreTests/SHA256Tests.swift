import Foundation
import AIMemCore
import TestFixtures
import Testing

struct SHA256Tests {
    struct Vector: Decodable {
        let message_hex: String
        let sha256: String
    }

    struct VectorFile: Decodable {
        let vectors: [Vector]
    }

    static func vectors() throws -> [Vector] {
        return try JSONDecoder().decode(VectorFile.self, from: Fixtures.data("AIMemCoreTests/Vectors/sha256.json")).vectors
    }

    @Test func matchesTestVectors() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count >= 5)
        for vector in vectors {
            let message = try #require(Hex.decode(vector.message_hex))
            #expect(Hex.encode(SHA256.hash(message)) == vector.sha256)
        }
    }

    @Test func hexDigestOfStringHashesUTF8() {
        #expect(SHA256.hexDigest(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func hexRejectsMalformedText() {
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("00fF") == [0x00, 0xFF])
    }
}
