import Foundation
import Sodium
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
        let url = try #require(Bundle.module.url(forResource: "sha256", withExtension: "json", subdirectory: "Vectors"))
        return try JSONDecoder().decode(VectorFile.self, from: Data(contentsOf: url)).vectors
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

    @Test func randomBytesDiffer() {
        let a = RandomBytes.generate(count: 32)
        let b = RandomBytes.generate(count: 32)
        #expect(a.count == 32)
        #expect(a != b)
        let uuid = RandomBytes.uuidString()
        #expect(uuid.count == 36)
        #expect(Array(uuid)[14] == "4")
    }

    @Test func libsodiumVersionIs1_0_18OrLater() {
        #expect(Sodium.versionString.hasPrefix("1.0."))
    }
}
