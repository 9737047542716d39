import AIMemCore
import Foundation
@_spi(KnownAnswers) import Sodium
import TestFixtures
import Testing

/// Every libsodium primitive ai-mem uses, through this wrapper, against published
/// vectors (RFC 8032, RFC 7748, RFC 7693, the BLAKE2 KAT, the XChaCha20 draft,
/// libsodium's own Argon2id tests, Wycheproof, orion, PyNaCl): the files and their
/// sources are in Vectors/kat/ (README.md there says how each was checked).
struct KnownAnswerTests {
    typealias Case = [String: Any]

    static func cases(_ file: String, _ key: String = "cases") throws -> [Case] {
        let json = try JSONSerialization.jsonObject(with: Fixtures.data("SodiumTests/Vectors/kat/\(file).json")) as? [String: Any]
        return try #require(json?[key] as? [Case], "\(file).json has no \(key)")
    }

    static func bytes(_ c: Case, _ field: String) throws -> [UInt8] {
        let text = try #require(c[field] as? String, "\(c["name"] ?? "?"): no \(field)")
        return try #require(Hex.decode(text), "\(c["name"] ?? "?"): \(field) is not hex")
    }

    static func int(_ c: Case, _ field: String) throws -> Int {
        if let n = c[field] as? Int { return n }
        return try #require((c[field] as? String).flatMap { Int($0) }, "\(c["name"] ?? "?"): no \(field)")
    }

    static func valid(_ c: Case) -> Bool { c["expect"] as? String == "valid" }

    /// Counts the cases of each kind, so a file that lost its cases fails.
    static func expectBoth(_ cases: [Case], valid: Int, invalid: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(cases.filter(Self.valid).count >= valid, sourceLocation: sourceLocation)
        #expect(cases.filter { !Self.valid($0) }.count >= invalid, sourceLocation: sourceLocation)
    }

    @Test func ed25519() throws {
        let cases = try Self.cases("ed25519")
        Self.expectBoth(cases, valid: 5, invalid: 10)
        for c in cases {
            let name = c["name"] as? String ?? "?"
            let publicKey = try Ed25519.PublicKey(bytes: Self.bytes(c, "public_key"))
            let message = try Self.bytes(c, "message"), signature = try Self.bytes(c, "signature")
            #expect(Ed25519.verify(signature: signature, message: message, publicKey: publicKey) == Self.valid(c), "\(name)")
            if Self.valid(c), let seedText = c["seed"] as? String, let seed = Hex.decode(seedText), seed.count == 32 {
                let pair = try Ed25519.KeyPair(seed: SecretBytes(copying: seed))
                #expect(pair.publicKey == publicKey, "\(name): public key from the seed")
                #expect(try pair.sign(message) == signature, "\(name): signature")
                #expect(publicKey.isUsable, "\(name)")
            }
        }
    }

    @Test func x25519() throws {
        let cases = try Self.cases("x25519")
        Self.expectBoth(cases, valid: 6, invalid: 7)
        for c in cases {
            let name = c["name"] as? String ?? "?"
            let scalar = try Self.bytes(c, "scalar")
            switch c["operation"] as? String {
            case "scalarmult":
                let u = try Self.bytes(c, "u")
                if Self.valid(c) {
                    #expect(try X25519.scalarMultiply(SecretBytes(copying: scalar), u) == Self.bytes(c, "output"), "\(name)")
                } else {
                    #expect(throws: SodiumError.unusableKey("a point of small order"), "\(name)") {
                        _ = try X25519.scalarMultiply(SecretBytes(copying: scalar), u)
                    }
                    #expect(!(try X25519.PublicKey(bytes: u)).isUsable, "\(name): a recipient key of small order is refused")
                }
            case "scalarmult_base":
                let pair = try X25519.KeyPair(secretKey: SecretBytes(copying: scalar))
                #expect(pair.publicKey.bytes == (try Self.bytes(c, "output")), "\(name)")
                #expect(pair.publicKey.isUsable, "\(name)")
            case "iterated":
                var k = scalar, u = try Self.bytes(c, "u")
                for _ in 0..<(try Self.int(c, "iterations")) {
                    let next = try X25519.scalarMultiply(SecretBytes(copying: k), u)
                    u = k
                    k = next
                }
                #expect(k == (try Self.bytes(c, "output")), "\(name)")
            default:
                Issue.record("\(name): unknown operation")
            }
        }
    }

    @Test func xchacha20Poly1305() throws {
        let cases = try Self.cases("xchacha20poly1305")
        Self.expectBoth(cases, valid: 1, invalid: 3)
        for c in cases {
            let name = c["name"] as? String ?? "?"
            let key = SecretBytes(copying: try Self.bytes(c, "key"))
            let nonce = try Self.bytes(c, "nonce"), aad = try Self.bytes(c, "aad")
            let sealed = try Self.bytes(c, "ciphertext") + Self.bytes(c, "tag")
            if Self.valid(c) {
                let plaintext = try Self.bytes(c, "plaintext")
                #expect(try XChaCha20Poly1305.encrypt(SecretBytes(copying: plaintext), additionalData: aad, nonce: nonce, key: key) == sealed, "\(name)")
                let opened = try XChaCha20Poly1305.decrypt(sealed, additionalData: aad, nonce: nonce, key: key)
                #expect(opened.withUnsafeBytes { Array($0) } == plaintext, "\(name)")
            } else {
                #expect(throws: SodiumError.authenticationFailed, "\(name)") {
                    _ = try XChaCha20Poly1305.decrypt(sealed, additionalData: aad, nonce: nonce, key: key)
                }
            }
        }
    }

    @Test func blake2b() throws {
        let cases = try Self.cases("blake2b")
        #expect(cases.count >= 8)
        for c in cases {
            let name = c["name"] as? String ?? "?"
            let input = try Self.bytes(c, "input")
            let key = (c["key"] as? String).flatMap(Hex.decode).flatMap { $0.isEmpty ? nil : $0 }
            let length = try Self.int(c, "outlen")
            let expected = try Self.bytes(c, "output")
            #expect(try BLAKE2b.hash(input, outputLength: length, key: key) == expected, "\(name)")
            if key == nil {
                // The streaming hasher, fed in uneven pieces, agrees.
                let hasher = try BLAKE2b.Hasher(outputLength: length)
                var offset = 0, step = 1
                while offset < input.count {
                    try hasher.update(Array(input[offset..<min(input.count, offset + step)]))
                    offset += step
                    step = step * 3 + 1
                }
                try hasher.update([])
                #expect(try hasher.finish() == expected, "\(name): streaming")
            }
        }
        #expect(throws: SodiumError.invalidLength(what: "BLAKE2b output", expected: 64, actual: 65)) { _ = try BLAKE2b.hash([], outputLength: 65) }
    }

    @Test func argon2id() throws {
        let cases = try Self.cases("argon2id")
        Self.expectBoth(cases, valid: 3, invalid: 1)
        for c in cases {
            let name = c["name"] as? String ?? "?"
            let limits = PasswordHash.Limits(opsLimit: UInt64(try Self.int(c, "opslimit")), memLimit: UInt64(try Self.int(c, "memlimit")))
            let password = SecretBytes(copying: try Self.bytes(c, "password")), salt = try Self.bytes(c, "salt")
            let length = try Self.int(c, "outlen")
            if Self.valid(c) {
                let key = try PasswordHash.deriveKey(length: length, passphrase: password, salt: salt, limits: limits)
                #expect(key.withUnsafeBytes { Array($0) } == (try Self.bytes(c, "output")), "\(name)")
            } else {
                #expect(throws: SodiumError.operationFailed(function: "crypto_pwhash (Argon2id; out of memory?)"), "\(name)") {
                    _ = try PasswordHash.deriveKey(length: length, passphrase: password, salt: salt, limits: limits)
                }
            }
        }
    }

    @Test func sealedBoxes() throws {
        let cases = try Self.cases("sealed-box")
        Self.expectBoth(cases, valid: 2, invalid: 3)
        for c in cases {
            let name = c["name"] as? String ?? "?"
            let pair = try X25519.KeyPair(secretKey: SecretBytes(copying: try Self.bytes(c, "recipient_secret_key")))
            #expect(pair.publicKey.bytes == (try Self.bytes(c, "recipient_public_key")), "\(name)")
            let opened = pair.open(sealed: try Self.bytes(c, "ciphertext"))
            if Self.valid(c) {
                #expect(opened?.withUnsafeBytes { Array($0) } == (try Self.bytes(c, "plaintext")), "\(name)")
            } else {
                #expect(opened == nil, "\(name)")
            }
        }
        // Sealing to a key of small order fails instead of writing a box nobody can open.
        let zero = try X25519.PublicKey(bytes: [UInt8](repeating: 0, count: 32))
        #expect(throws: SodiumError.unusableKey("the X25519 key is a point of small order: nothing sealed to it can be opened")) {
            _ = try X25519.seal(SecretBytes(count: 32), to: zero)
        }
    }

    @Test func secretStream() throws {
        let cases = try Self.cases("secretstream")
        var checked = 0
        for c in cases {
            let name = c["name"] as? String ?? "?"
            let chunks = try #require(c["chunks"] as? [Case])
            // ai-mem's format never rekeys; cases that call rekey() explicitly are not for this wrapper.
            if chunks.contains(where: { $0["explicit_rekey_before"] != nil }) { continue }
            checked += 1
            let key = SecretBytes(copying: try Self.bytes(c, "key"))
            var failedAt: Int? = nil  // 0-based, as fails_at_chunk
            do {
                let puller = try SecretStream.Puller(key: key, header: try Self.bytes(c, "header"))
                for (index, chunk) in chunks.enumerated() {
                    let ciphertext = try Self.bytes(chunk, "ciphertext")
                    let aad = (chunk["additional_data"] as? String).flatMap(Hex.decode) ?? []
                    var plaintext: [UInt8] = []
                    let tag: UInt8
                    do {
                        tag = try ciphertext.withUnsafeBytes { raw throws(SodiumError) in try puller.pull(raw, additionalData: aad, into: &plaintext) }
                    } catch {
                        failedAt = index
                        break
                    }
                    #expect(plaintext == (try Self.bytes(chunk, "plaintext")), "\(name): chunk \(index + 1)")
                    #expect(Int(tag) == chunk["tag_value"] as? Int, "\(name): chunk \(index + 1) tag")
                }
            } catch SodiumError.authenticationFailed {
                failedAt = 0  // the header does not fit the key
            }
            if Self.valid(c) {
                #expect(failedAt == nil, "\(name)")
            } else {
                #expect(failedAt == c["fails_at_chunk"] as? Int, "\(name)")
            }
        }
        #expect(checked >= 8)
    }
}
