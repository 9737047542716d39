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

    /// Every single-character substitution, deletion and insertion is refused, naming what is wrong.
    @Test func everySingleCharacterTypoIsRejected() throws {
        let line = Array(try Self.fixedKey().keyLine)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:+/= .")
        let base64URL = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        // "ai-mem-pk1:": the version digit is at prefix - 2, the colon at prefix - 1. The body is 91 characters.
        let prefix = PublicIdentity.keyLinePrefix.count, last = line.count - 1
        // A new last character is non-canonical if it sets the 2 unused low bits, else it breaks the checksum.
        func lastCharacter(_ c: Character) -> KeyLineProblem { base64URL.firstIndex(of: c)! & 3 == 0 ? .badChecksum : .nonCanonicalEncoding }
        func refused(_ text: [Character], _ problem: KeyLineProblem, _ what: String) {
            #expect(throws: VaultError.invalidKeyLine(problem), "\(what)") { _ = try PublicIdentity(keyLine: String(text)) }
        }
        var tried = 0
        for i in line.indices {
            for c in alphabet where c != line[i] {
                var typo = line
                typo[i] = c
                let problem: KeyLineProblem
                if i < prefix {
                    problem = i == prefix - 2 ? .unsupportedVersion(c == ":" ? "" : String(c)) : .notAKeyLine
                } else if !base64URL.contains(c) {
                    problem = c == " " && i == last ? .wrongLength(actual: 67, expected: 68) : .invalidCharacter(position: i + 1)
                } else {
                    problem = i == last ? lastCharacter(c) : .badChecksum
                }
                refused(typo, problem, "\(c) at \(i)")
                tried += 1
            }
            var deleted = line
            deleted.remove(at: i)
            let shorter: KeyLineProblem = i >= prefix ? .wrongLength(actual: 67, expected: 68) : i == prefix - 2 ? .unsupportedVersion("") : .notAKeyLine
            refused(deleted, shorter, "deleted at \(i)")
            var inserted = line
            inserted.insert("A", at: i)
            let longer: KeyLineProblem = i >= prefix ? .wrongLength(actual: 69, expected: 68)
                : i == prefix - 2 ? .unsupportedVersion("A1") : i == prefix - 1 ? .unsupportedVersion("1A") : .notAKeyLine
            refused(inserted, longer, "A inserted at \(i)")
        }
        // Swapping two neighbours is caught too.
        let colonSwapped = "1" + String(line[prefix])  // "ai-mem-pk1X:…"
        for i in line.indices.dropLast() where line[i] != line[i + 1] {
            var swapped = line
            swapped.swapAt(i, i + 1)
            let problem: KeyLineProblem = i < prefix - 2 ? .notAKeyLine : i == prefix - 2 ? .unsupportedVersion("")
                : i == prefix - 1 ? .unsupportedVersion(colonSwapped) : i + 1 == last ? lastCharacter(line[i]) : .badChecksum
            refused(swapped, problem, "swapped at \(i)")
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
