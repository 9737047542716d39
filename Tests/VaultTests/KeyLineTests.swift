import AIMemCore
import Foundation
import Sodium
import Testing
@testable import Vault

struct KeyLineTests {
    static func fixedKey() throws -> PublicIdentity {
        let keyFile = try Vectors.json("keyfiles/TEST-ONLY-protected.key")
        return try PublicIdentity(keyLine: keyFile["public_key"] as! String)
    }

    @Test func roundTripsAndKeepsTheKeyID() throws {
        for _ in 0..<20 {
            let identity = SecretIdentity.generate().publicIdentity
            let parsed = try PublicIdentity(keyLine: identity.keyLine)
            #expect(parsed == identity)
            #expect(parsed.keyID == identity.keyID)
            #expect(identity.keyID.count == 16)
            #expect(identity.keyLine.hasPrefix("ai-mem-pk1:"))
            #expect(try PublicIdentity(keyLine: "  \(identity.keyLine)\n") == identity)
        }
    }

    @Test func goldenKeyLineGivesTheRecordedKeyID() throws {
        let keyFile = try Vectors.json("keyfiles/TEST-ONLY-protected.key")
        let key = try Self.fixedKey()
        #expect(key.keyID == keyFile["key_id"] as? String)
        #expect(key.keyLine == keyFile["public_key"] as? String)
    }

    /// Every single-character substitution, deletion and insertion is refused.
    @Test func everySingleCharacterTypoIsRejected() throws {
        let line = Array(try Self.fixedKey().keyLine)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:+/= .")
        var tried = 0
        for i in line.indices {
            for c in alphabet where c != line[i] {
                var typo = line
                typo[i] = c
                #expect(throws: VaultError.self) { _ = try PublicIdentity(keyLine: String(typo)) }
                tried += 1
            }
            var deleted = line
            deleted.remove(at: i)
            #expect(throws: VaultError.self) { _ = try PublicIdentity(keyLine: String(deleted)) }
            var inserted = line
            inserted.insert("A", at: i)
            #expect(throws: VaultError.self) { _ = try PublicIdentity(keyLine: String(inserted)) }
        }
        // Swapping two neighbours is caught too.
        for i in line.indices.dropLast() where line[i] != line[i + 1] {
            var swapped = line
            swapped.swapAt(i, i + 1)
            #expect(throws: VaultError.self) { _ = try PublicIdentity(keyLine: String(swapped)) }
        }
        #expect(tried > 5000)
    }

    @Test func rejectionsNameTheReason() throws {
        let line = try Self.fixedKey().keyLine
        let body = String(line.dropFirst("ai-mem-pk1:".count))
        func problem(_ text: String) -> KeyLineProblem? {
            do { _ = try PublicIdentity(keyLine: text); return nil } catch {
                if case .invalidKeyLine(let p) = error { return p }
                return nil
            }
        }
        #expect(problem("ai-mem-pk2:" + body) == .unsupportedVersion("2"))
        #expect(problem("hello") == .notAKeyLine)
        #expect(problem("ai-mem-pk1:" + body.dropLast(4)) == .wrongLength(actual: 65, expected: 68))
        #expect(problem("ai-mem-pk1:" + body + "AAAA") == .wrongLength(actual: 71, expected: 68))
        #expect(problem("ai-mem-pk1:" + body.replacingOccurrences(of: body.prefix(1), with: "!")) == .invalidCharacter(position: 12))
        var flipped = Array(body)
        flipped[10] = flipped[10] == "A" ? "B" : "A"
        #expect(problem("ai-mem-pk1:" + String(flipped)) == .badChecksum)
    }

    @Test func base64URLIsStrictAndCanonical() {
        for n in 0..<40 {
            let bytes = RandomBytes.generate(count: n)
            #expect(Base64.decode(Base64.encode(bytes, alphabet: .url), alphabet: .url) == bytes)
        }
        #expect(Base64.decode("AB", alphabet: .url) == nil)  // unused bits set: non-canonical
        #expect(Base64.decode("AA", alphabet: .url) == [0])
        #expect(Base64.decode("A", alphabet: .url) == nil)
        #expect(Base64.decode("AA==", alphabet: .url) == nil)
        #expect(Base64.decode("A+", alphabet: .url) == nil)
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
