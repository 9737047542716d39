import AIMemCore
import Foundation
import Testing
@testable import Vault

struct KeyringTests {
    @Test func goldenKeyringParsesAndReencodesStably() throws {
        let text = String(decoding: try Vectors.data("keyrings/good.txt"), as: UTF8.self)
        let ring = try KeyringFile.decode(text, path: "good.txt")
        #expect(ring.entries.map(\.name) == ["alice", "bob"])
        #expect(ring.entry(named: "alice")?.status == .trusted)
        guard case .revoked(_, let reason)? = ring.entry(named: "bob")?.status else { Issue.record("bob not revoked"); return }
        #expect(reason == "laptop stolen")
        let again = try KeyringFile.decode(KeyringFile.encode(ring), path: "x")
        #expect(again == ring)
    }

    @Test func malformedKeyringsNameTheLine() throws {
        let manifest = try Vectors.json("keyrings/manifest.json")
        let cases = manifest["malformed"] as! [[String: Any]]
        #expect(cases.count >= 12)
        for c in cases {
            let name = c["file"] as! String
            let text = String(decoding: try Vectors.data("keyrings/" + name), as: UTF8.self)
            do {
                _ = try KeyringFile.decode(text, path: name)
                Issue.record("\(name) was accepted")
            } catch {
                guard case .malformedKeyring(_, let line, let reason) = error else { Issue.record("\(name): \(error)"); continue }
                #expect(line == c["line"] as? Int, "\(name): \(reason)")
                #expect(reason.contains(c["reason"] as! String), "\(name): \(reason)")
            }
        }
    }

    /// Found by the keys fuzzer: what is read must be written back the same.
    @Test func fuzzFindingsRoundTrip() throws {
        let good = String(decoding: try Vectors.data("keyrings/good.txt"), as: UTF8.self)
        func withReason(_ reason: String) -> String {
            good.replacingOccurrences(of: "revoked_reason = laptop stolen", with: "revoked_reason = \(reason)")
        }
        for reason in ["laptop\tstolen ", "", "  ", "ok \u{FFFD}\u{FFFD}"] {
            let ring = try KeyringFile.decode(withReason(reason), path: "x")
            #expect(try KeyringFile.decode(KeyringFile.encode(ring), path: "x") == ring, "\(reason.debugDescription)")
        }
        // A control character other than a tab is refused when read (so it is never written back).
        #expect(throws: VaultError.malformedKeyring(path: "x", line: 15, reason: "a control character")) {
            try KeyringFile.decode(withReason("x\u{7F}y"), path: "x")
        }
        let fractional = good.replacingOccurrences(of: "added_at = 2026-11-25T10:00:00Z", with: "added_at = 2026-11-25T10:00:00.75Z")
        let ring = try KeyringFile.decode(fractional, path: "x")
        #expect(try KeyringFile.decode(KeyringFile.encode(ring), path: "x") == ring)
    }

    @Test func namesAreUniqueAndKeysAppearOnce() throws {
        var ring = Keyring()
        let a = SecretIdentity.generate().publicIdentity, b = SecretIdentity.generate().publicIdentity
        try ring.add(name: "alice", key: a, at: 1)
        #expect(throws: VaultError.duplicateName("alice")) { try ring.add(name: "alice", key: b, at: 2) }
        #expect(throws: VaultError.duplicateKey(keyID: a.keyID, existingName: "alice")) { try ring.add(name: "al", key: a, at: 2) }
        #expect(throws: VaultError.invalidName("has space")) { try ring.add(name: "has space", key: b, at: 2) }
        #expect(throws: VaultError.invalidName("")) { try ring.add(name: "", key: b, at: 2) }
        try ring.add(name: "bob@example.org", key: b, at: 2)
        #expect(try ring.resolve(String(b.keyID.prefix(6))).name == "bob@example.org")
        #expect(throws: VaultError.unknownKey("carol")) { try ring.resolve("carol") }
    }

    @Test func revokeKeepsTheEntryAndRemoveDeletesIt() throws {
        var ring = Keyring()
        let a = SecretIdentity.generate().publicIdentity
        try ring.add(name: "alice", key: a, at: 1)
        let revoked = try ring.revoke(a.keyID, reason: "left\nthe team", at: 5)
        #expect(revoked.status == .revoked(at: 5, reason: "left the team"))
        let reread = try KeyringFile.decode(KeyringFile.encode(ring), path: "x")
        #expect(reread.entry(named: "alice")?.isRevoked == true)
        #expect(try ring.remove("alice").name == "alice")
        #expect(ring.entries.isEmpty)
    }
}
