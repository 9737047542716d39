import AIMemCore
import Foundation
import TestFixtures
import Testing
@testable import SecretScan

/// The scanner's parts: the keyword automaton, the checksum, each kind of rule,
/// findings, masking and redaction.
struct SecretScannerTests {
    let scanner = SecretScanner.standard

    @Test func theAutomatonFindsWhatANaiveSearchFinds() throws {
        let keywords = ["he", "she", "his", "hers", "sk", "sk-ant-", "://", "a"].map { Array($0.utf8) }
        let automaton = try KeywordAutomaton(keywords: keywords)
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("hHeEsSrRiIkK-aAnNt:/x ".utf8)
        for _ in 0..<300 {
            let text = (0..<Int.random(in: 0...60, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            var found: [[Int]] = []
            text.withUnsafeBytes { automaton.forEachMatch(in: $0) { k, start in found.append([k, start]) } }
            var expected: [[Int]] = []
            let folded = text.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
            for end in 0..<folded.count {
                for (k, word) in keywords.enumerated() where word.count <= end + 1 && Array(folded[(end + 1 - word.count)...end]) == word {
                    expected.append([k, end + 1 - word.count])
                }
            }
            #expect(Set(found) == Set(expected), "\(String(decoding: text, as: UTF8.self))")
            #expect(found.count == expected.count)
        }
    }

    /// The worked example of GitHub's token checksum (CRC-32 of the 30 random
    /// characters, base62 `0-9A-Za-z`, six digits): the wrong alphabet order gives `0MlQ17`.
    @Test func theGitHubChecksumIsCRC32InBase62() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ".utf8)) == 0x2A95_EE6D)
        #expect(SecretScanner.crc32Base62(0x2A95_EE6D) == Array("0mLq17".utf8))
        #expect(SecretScanner.verify(.crc32Base62, Array("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".utf8)))
        #expect(!SecretScanner.verify(.crc32Base62, Array("ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0MlQ17".utf8)))
        #expect(scanner.scan("token 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 here").map(\.ruleID) == ["github-pat"])
        #expect(scanner.scan("token ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0MlQ17 here").isEmpty)
    }

    @Test func eachKindFindsItsSecretAndOnlyTheSecret() {
        func secret(_ text: String) -> [String] {
            let bytes = Array(text.utf8)
            return scanner.scan(text).map { String(decoding: bytes[$0.range], as: UTF8.self) }
        }
        #expect(secret("key AKIAQ3ZV7XK2MB4RT6WN, done") == ["AKIAQ3ZV7XK2MB4RT6WN"])
        #expect(secret("xAKIAQ3ZV7XK2MB4RT6WN") == [])  // not at a word boundary
        #expect(secret("AKIAQ3ZV7XK2MB4RT6WNC") == [])  // one character too long
        #expect(secret(#"aws_secret_access_key = "Zq8+Rk2/Vm4TnW7pXc1LbA9sHd3FgJ6yKe5uQo0i""#) == ["Zq8+Rk2/Vm4TnW7pXc1LbA9sHd3FgJ6yKe5uQo0i"])
        #expect(secret("DATABASE_URL=postgres://orders:Vx8kq2LmZ!p@db.internal:5432/orders") == ["Vx8kq2LmZ!p"])
        #expect(secret("postgres://orders:password@db.internal/orders") == [])  // an allowed placeholder
        #expect(secret("https://orders:Vx8kq2LmZp@example.org/") == [])  // not a database scheme
        #expect(secret("client_secret: 'n4Fh8sKq2Lz9Wm3xVb7T'") == ["n4Fh8sKq2Lz9Wm3xVb7T"])
        #expect(secret("the password is n4Fh8sKq2Lz9Wm3xVb7T") == ["n4Fh8sKq2Lz9Wm3xVb7T"])
        #expect(secret("Rotate the token. Is n4Fh8sKq2Lz9Wm3xVb7T still cached?") == [])  // "is" begins the next sentence
        #expect(secret("Rotate the token. is n4Fh8sKq2Lz9Wm3xVb7T") == [])
        #expect(secret("the password Is n4Fh8sKq2Lz9Wm3xVb7T") == [])  // the operator is the lower-case word
        #expect(secret("password = get_password_from_vault") == [])  // letters and underscores: a name, not a secret
        #expect(secret("token_count: 196") == [])
        #expect(secret("private_key_path = ~/.ssh/id_ed25519") == [])  // a path
        #expect(secret("Old value was YjY3Q~bhSOfUGETz69qtiAzzOlBIAg85KrDygLHD.") == ["YjY3Q~bhSOfUGETz69qtiAzzOlBIAg85KrDygLHD"])  // a full stop ends it
        #expect(secret("redis://:QbD67q%S6HzSlhD@cache:6379") == ["QbD67q%S6HzSlhD"])
        let block = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + String(repeating: "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n", count: 3) + "-----END OPENSSH PRIVATE KEY-----"
        #expect(secret("key:\n" + block + "\nthanks") == [block])
        #expect(secret("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----") == [])
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        #expect(secret("Authorization: Bearer " + jwt) == [jwt])
        #expect(secret("eyJxxxxxxxxxxxxxxx.eyJyyyyyyyyyyyyyyyy.zzzzzzzzzzzzzz") == [])  // header is not JSON
    }

    @Test func aSpecificRuleWinsOverTheGenericOne() {
        let token = "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"
        #expect(scanner.scan("GITHUB_TOKEN=\(token)").map(\.ruleID) == ["github-pat"])
    }

    @Test func findingsNameThePlaceAndMaskTheSecret() throws {
        let text = "first line\nexport GITHUB_TOKEN=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 and AKIAQ3ZV7XK2MB4RT6WN"
        let findings = scanner.findings(in: text, field: "content")
        #expect(findings.map(\.ruleID) == ["github-pat", "aws-access-key-id"])
        let first = try #require(findings.first)
        #expect(first.field == "content" && first.line == 2 && first.column == 21 && first.length == 40)
        #expect(first.excerpt == "export GITHUB_TOKEN=ghp_…(40 chars)")
        try #require(findings.count == 2)
        #expect(findings[1].excerpt == "…KEN=ghp_…(40 chars) and AKIA…(20 chars)")
        for f in findings {
            #expect(!f.excerpt.contains("zQWBuTSOoRi4"))
            #expect(!f.excerpt.contains("Q3ZV7XK2"))
        }
    }

    @Test func redactionReplacesEachSecretWithItsMarker() {
        let text = "é token=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; url postgres://a:Vx8kq2LmZp@db/x"
        let (redacted, matches) = scanner.redact(text)
        #expect(redacted == "é token=[REDACTED:github-pat]; url postgres://a:[REDACTED:url-password]@db/x")
        #expect(matches.count == 2)
        #expect(scanner.scan(redacted).isEmpty)
        #expect(scanner.redactionMarkers(in: redacted) == 2)
        #expect(scanner.redactionMarkers(in: "[REDACTED:not-a-rule] [REDACTED:jwt") == 0)
        #expect(scanner.redact("nothing here").text == "nothing here")
    }

    @Test func aBadRulesFileIsRefusedWithItsReason() {
        func reason(_ json: String) -> String? {
            do {
                _ = try SecretScanner(rulesFile: Array(json.utf8))
                return nil
            } catch {
                return error.description
            }
        }
        #expect(reason("[]")?.contains("lacks rules") == true)
        #expect(reason(#"{"rules":[{"id":"x","family":"f","description":"d","keywords":["k"],"kind":"magic"}]}"#)?.contains("unknown kind") == true)
        #expect(reason(#"{"rules":[{"id":"x","family":"f","description":"d","keywords":["k"],"kind":"token","pattern":[{"chars":"z-a","min":1,"max":2}]}]}"#)?.contains("reversed") == true)
        #expect(reason(#"{"rules":[{"id":"x","family":"f","description":"d","keywords":["k"],"kind":"token","pattern":[{"chars":"a-z","min":1,"max":99999}]}]}"#)?.contains("max") == true)
        #expect(reason(#"{"rules":[{"id":"X","family":"f","description":"d","keywords":["k"],"kind":"jwt"}]}"#)?.contains("lowercase") == true)
    }
}
