import AIMemCore
import Foundation
import Sodium
import Testing
@testable import Vault

struct KeyStoreTests {
    @Test func generateRefusesToOverwriteAndWritesMode0600() throws {
        let t = TempHome()
        let file = try t.keys.generate(name: "alice", passphrase: SecretBytes(utf8: "pw"), limits: .interactive)
        let mode = try FileManager.default.attributesOfItem(atPath: t.keys.identityPath)[.posixPermissions] as! Int
        #expect(mode == 0o600)
        #expect(throws: VaultError.identityExists(path: t.keys.identityPath)) {
            _ = try t.keys.generate(name: "alice", passphrase: nil, limits: .interactive)
        }
        #expect(try t.keys.identityFile().keyID == file.keyID)
    }

    /// The keyring is parsed once per command while its file stays the same; another
    /// process's change (a new file, or the same file rewritten) and a mode opened to
    /// others are seen at the next read.
    @Test func theKeyringIsReadAgainWhenItsFileChanges() throws {
        let t = TempHome(), carol = TempHome(), dave = TempHome()
        _ = try t.keys.generate(name: "bob", passphrase: nil, limits: .interactive)
        let carolKey = try carol.keys.generate(name: "carol", passphrase: nil, limits: .interactive).publicIdentity
        let daveKey = try dave.keys.generate(name: "dave", passphrase: nil, limits: .interactive).publicIdentity
        _ = try t.keys.trust(carolKey, name: "carol")
        #expect(try t.keys.keyring().entries.map(\.name) == ["carol"])
        #expect(try t.keys.keyring().entries.map(\.name) == ["carol"])
        // Another process trusts dave (the file is replaced).
        _ = try KeyStore(home: t.keys.home).trust(daveKey, name: "dave")
        #expect(try t.keys.keyring().entries.map(\.name).sorted() == ["carol", "dave"])
        // The same file rewritten in place, back to carol alone.
        let ring = try KeyringFile.encode(Keyring(entries: t.keys.keyring().entries.filter { $0.name == "carol" }))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: t.keys.keyringPath))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(ring.utf8))
        try handle.close()
        #expect(try t.keys.keyring().entries.map(\.name) == ["carol"])
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: t.keys.keyringPath)
        #expect(throws: VaultError.insecureKeyring(path: t.keys.keyringPath, mode: 0o666)) { _ = try t.keys.keyring() }
    }

    @Test func keyFileReadableByOthersIsRefused() throws {
        let t = TempHome()
        _ = try t.keys.generate(name: "alice", passphrase: nil, limits: .interactive)
        for mode in [0o644, 0o640, 0o604, 0o660] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: t.keys.identityPath)
            #expect(throws: VaultError.insecureKeyFile(path: t.keys.identityPath, mode: mode)) { _ = try t.keys.identityFile() }
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: t.keys.identityPath)
        #expect(throws: Never.self) { _ = try t.keys.identityFile() }
    }

    @Test func unlockUsesPassphraseSources() throws {
        let t = TempHome()
        let file = try t.keys.generate(name: "alice", passphrase: SecretBytes(utf8: "s3cret"), limits: .interactive)
        #expect(try t.keys.unlock(passphrase("s3cret")).publicIdentity.keyID == file.keyID)
        #expect(throws: VaultError.wrongPassphrase(keyID: file.keyID)) { _ = try t.keys.unlock(passphrase("nope")) }
        #expect(throws: VaultError.passphraseUnavailable(purpose: "unlock your key \(file.keyID)")) {
            _ = try t.keys.unlock(PassphraseSources(file: nil, environment: [:], prompt: nil))
        }
        // The file wins over the environment.
        let pwFile = try t.write("pw.txt", "s3cret\n")
        #expect(try t.keys.unlock(PassphraseSources(file: pwFile, environment: ["AI_MEM_PASSPHRASE": "nope"], prompt: nil)).publicIdentity.keyID == file.keyID)
        // The environment wins over the prompt; the prompt is used last.
        let prompted = PassphraseSources(file: nil, environment: [:], prompt: { _ in "s3cret" })
        #expect(try t.keys.unlock(prompted).publicIdentity.keyID == file.keyID)
        let envFirst = PassphraseSources(file: nil, environment: ["AI_MEM_PASSPHRASE": "s3cret"], prompt: { _ in "nope" })
        #expect(try t.keys.unlock(envFirst).publicIdentity.keyID == file.keyID)
        let missing = t.url.appendingPathComponent("missing").path
        #expect(throws: VaultError.passphraseFile(path: missing, reason: "no such file")) { _ = try t.keys.unlock(PassphraseSources(file: missing, prompt: nil)) }
    }

    @Test func passphraseFileTakesTheFirstLineOnly() throws {
        let t = TempHome()
        let crlf = try t.write("a", "pass phrase\r\nsecond line")
        #expect(try PassphraseSources.read(file: crlf).withUnsafeBytes { Array($0) } == Array("pass phrase".utf8))
        let empty = try t.write("b", "\n")
        #expect(throws: VaultError.emptyPassphrase) { _ = try PassphraseSources.read(file: empty) }
        let confirmMismatch = PassphraseSources(file: nil, environment: [:], prompt: { m in m.contains("again") ? "b" : "a" })
        #expect(throws: VaultError.passphraseMismatch) { _ = try confirmMismatch.obtain(purpose: "x", confirm: true) }
    }

    @Test func passwdKeepsTheKeyIDAndChangesTheSecretFile() throws {
        let t = TempHome()
        let original = try t.keys.generate(name: "alice", passphrase: SecretBytes(utf8: "one"), limits: .interactive)
        let before = try Data(contentsOf: URL(fileURLWithPath: t.keys.identityPath))
        let changed = try t.keys.changePassphrase(current: passphrase("one"), new: SecretBytes(utf8: "two"), limits: .interactive)
        #expect(changed.keyID == original.keyID)
        #expect(try Data(contentsOf: URL(fileURLWithPath: t.keys.identityPath)) != before)
        #expect(throws: VaultError.wrongPassphrase(keyID: original.keyID)) { _ = try t.keys.unlock(passphrase("one")) }
        #expect(try t.keys.unlock(passphrase("two")).publicIdentity.keyID == original.keyID)
        // Remove, then add back a passphrase.
        let removed = try t.keys.changePassphrase(current: passphrase("two"), new: nil, limits: .interactive)
        #expect(!removed.isProtected)
        #expect(try t.keys.unlock(PassphraseSources(file: nil, environment: [:], prompt: nil)).publicIdentity.keyID == original.keyID)
        let added = try t.keys.changePassphrase(current: PassphraseSources(file: nil, environment: [:], prompt: nil), new: SecretBytes(utf8: "three"), limits: .interactive)
        #expect(added.isProtected && added.keyID == original.keyID)
        let mode = try FileManager.default.attributesOfItem(atPath: t.keys.identityPath)[.posixPermissions] as! Int
        #expect(mode == 0o600)
    }

    @Test func trustListRevokeRemove() throws {
        let t = TempHome()
        let me = try t.keys.generate(name: "me", passphrase: nil, limits: .interactive)
        let bob = SecretIdentity.generate().publicIdentity
        #expect(throws: VaultError.ownKey) { _ = try t.keys.trust(me.publicIdentity, name: "me-again") }
        _ = try t.keys.trust(bob, name: "bob")
        #expect(throws: VaultError.duplicateName("bob")) { _ = try t.keys.trust(SecretIdentity.generate().publicIdentity, name: "bob") }
        #expect(throws: VaultError.duplicateKey(keyID: bob.keyID, existingName: "bob")) { _ = try t.keys.trust(bob, name: "robert") }
        _ = try t.keys.updateKeyring { try $0.revoke("bob", reason: "gone", at: 9) }
        #expect(try t.keys.keyring().entry(named: "bob")?.isRevoked == true)
        _ = try t.keys.updateKeyring { try $0.remove(bob.keyID) }
        #expect(try t.keys.keyring().entries.isEmpty)
    }

    @Test func rotationStatementIsAcceptedWhenGenuine() throws {
        let alice = TempHome(), bob = TempHome()
        let old = try alice.keys.generate(name: "alice", passphrase: SecretBytes(utf8: "pw"), limits: .interactive)
        _ = try bob.keys.trust(old.publicIdentity, name: "alice")
        let rotation = try alice.keys.rotate(passphrases: passphrase("pw"), limits: .interactive)
        let new = rotation.newKey, statement = try #require(rotation.rotationStatement)
        #expect(rotation.revocationStatement == nil)
        #expect(new.keyID != old.keyID)
        #expect(statement.oldKey == old.publicIdentity && statement.newKey == new.publicIdentity)
        // The new key keeps the passphrase; the old one is kept, still openable.
        #expect(try alice.keys.unlock(passphrase("pw")).publicIdentity == new.publicIdentity)
        let retired = try alice.keys.retiredKeyFiles()
        #expect(retired.map(\.keyID) == [old.keyID])
        #expect(try retired[0].open(passphrase: SecretBytes(utf8: "pw")).publicIdentity == old.publicIdentity)
        // Bob applies the statement from its text form.
        let parsed = try RotationStatement(text: statement.text)
        let (entry, change) = try bob.keys.accept(parsed)
        #expect(change == .rotated)
        #expect(entry.name == "alice" && entry.keyID == new.keyID && entry.rotatedFrom == old.keyID)
        #expect(entry.previousKeys == [PreviousKey(publicIdentity: old.publicIdentity, until: Double(statement.time))])
        #expect(retired[0].retirement?.reason == .routine)
        #expect(try bob.keys.keyring().entries.count == 1)
    }

    @Test func forgedOrUntrustedRotationStatementsAreRefused() throws {
        let bob = TempHome()
        let alice = SecretIdentity.generate(), mallory = SecretIdentity.generate(), newKey = SecretIdentity.generate().publicIdentity
        _ = try bob.keys.trust(alice.publicIdentity, name: "alice")
        let before = try bob.keys.keyring()

        // Signed by the wrong key but claiming alice's: forged.
        let genuine = try RotationStatement.make(from: alice, to: newKey, time: 100)
        var bytes = Base64.decode(String(genuine.text.dropFirst(RotationStatement.prefix.count)), alphabet: .url)!
        let forgedSignature = try mallory.signing.sign(RotationStatement.domain + Array(bytes[0..<136]))
        bytes.replaceSubrange(136..<200, with: forgedSignature)
        let forged = try RotationStatement(text: RotationStatement.prefix + Base64.encode(bytes, alphabet: .url))
        #expect(throws: VaultError.forgedRotationStatement(keyID: alice.publicIdentity.keyID)) { _ = try bob.keys.accept(forged) }

        // A genuine statement whose new key was swapped afterwards: signature no longer matches.
        var swapped = Base64.decode(String(genuine.text.dropFirst(RotationStatement.prefix.count)), alphabet: .url)!
        swapped.replaceSubrange(64..<128, with: mallory.publicIdentity.keyBytes)
        #expect(throws: VaultError.forgedRotationStatement(keyID: alice.publicIdentity.keyID)) {
            _ = try bob.keys.accept(try RotationStatement(text: RotationStatement.prefix + Base64.encode(swapped, alphabet: .url)))
        }

        // Mallory's own statement: her key is not in the keyring.
        let untrusted = try RotationStatement.make(from: mallory, to: newKey, time: 100)
        #expect(throws: VaultError.rotationFromUnknownKey(keyID: mallory.publicIdentity.keyID)) { _ = try bob.keys.accept(untrusted) }

        // A revoked key cannot rotate.
        _ = try bob.keys.updateKeyring { try $0.revoke("alice", reason: nil, at: 1) }
        #expect(throws: VaultError.rotationFromRevokedKey(name: "alice")) { _ = try bob.keys.accept(genuine) }
        _ = try bob.keys.updateKeyring { ring in
            _ = try ring.remove("alice")
            try ring.add(name: "alice", key: alice.publicIdentity, at: before.entries[0].addedAt)
        }
        #expect(try bob.keys.keyring().entry(named: "alice")?.publicIdentity == alice.publicIdentity)

        // Truncated or garbled statements.
        #expect(throws: VaultError.invalidRotationStatement("198 bytes instead of 200")) { _ = try RotationStatement(text: String(genuine.text.dropLast(3))) }
        #expect(throws: VaultError.invalidRotationStatement("invalid base64url")) { _ = try RotationStatement(text: "ai-mem-rot1:!!!") }
    }
}
