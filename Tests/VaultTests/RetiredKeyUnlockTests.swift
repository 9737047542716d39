import AIMemCore
import Foundation
import MemoryStore
import SentenceEmbedding
import Sodium
import Testing
@testable import Vault

/// Issue 14, item 6: the secret keys are unlocked once per command, lazily, and only
/// as far as needed — `keys rotate` and `keys passwd` keep the retired keys beside the
/// identity, with its salt, so one Argon2id derivation opens them all.
struct RetiredKeyUnlockTests {
    func makeVault(_ t: TempHome, _ pw: String) throws -> SnapshotVault {
        SnapshotVault(store: try MemoryStore(home: t.home, embedder: LexicalHashEmbedder()), keys: t.keys, passphrases: passphrase(pw))
    }

    /// A snapshot from a stranger to `recipients`.
    func snapshot(to recipients: [PublicIdentity], in t: TempHome) throws -> String {
        let stranger = SecretIdentity.generate()
        let bytes = try Forge.snapshot(signer: stranger, recipients: recipients, records: [])
        let path = t.url.appendingPathComponent("s-\(UUID().uuidString).aimem").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aFileForNobodyHereCostsOneDerivationWhateverTheRetiredKeys() throws {
        let t = TempHome()
        var keys = [try t.keys.generate(name: "alice", passphrase: SecretBytes(utf8: "pw"), limits: .interactive).publicIdentity]
        for _ in 0..<4 { keys.append(try t.keys.rotate(passphrases: passphrase("pw"), limits: .interactive).newKey.publicIdentity) }
        #expect(try t.keys.retiredKeyFiles().count == 4)
        // Not addressed here: every key is tried, with one derivation.
        let vault = try makeVault(t, "pw")
        let other = try snapshot(to: [SecretIdentity.generate().publicIdentity], in: t)
        #expect(throws: SnapshotError.notARecipient(keyIDs: keys.reversed().map(\.keyID))) { _ = try vault.inspect(.file(other)) }
        #expect(vault.unlocked.derivations == 1)
        // Addressed to the second retired key: opened, still one derivation, and the same vault derives nothing more.
        let old = try snapshot(to: [keys[1]], in: t)
        let report = try vault.inspect(.file(old))
        #expect(report.readerKeyID == keys[1].keyID)
        #expect(vault.unlocked.derivations == 1)
        // After a new passphrase, the retired keys open with it (re-encrypted beside the identity).
        _ = try t.keys.changePassphrase(current: passphrase("pw"), new: SecretBytes(utf8: "new pw"), limits: .interactive)
        let after = try makeVault(t, "new pw")
        #expect(try after.inspect(.file(old)).readerKeyID == keys[1].keyID)
        #expect(after.unlocked.derivations == 1)
        #expect(Set(try t.keys.retiredKeyFiles().compactMap { $0.kdf?.salt }) == [try t.keys.identityFile().kdf!.salt])
    }
}
