import Foundation
import Sodium
import Testing
import Vault

/// `ai-mem keys …` through the built binary.
struct KeysCommandsTests {
    static let fast = ["--kdf", "interactive"]

    func generate(_ cli: CLI, name: String, passphrase: String = "pw-\(UUID().uuidString)") throws -> (keyID: String, line: String, passphrase: String) {
        let r = try cli.run(["keys", "generate", "--name", name, "--json"] + Self.fast, environment: ["AI_MEM_PASSPHRASE": passphrase])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try jsonObject(r.stdout)
        return (o["key_id"] as! String, o["public_key"] as! String, passphrase)
    }

    @Test func generateShowAndRefuseToOverwrite() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let key = try generate(cli, name: "alice")
        let shown = try jsonObject(cli.ok(["keys", "show", "--json"]).stdout)
        #expect(shown["key_id"] as? String == key.keyID)
        #expect(shown["public_key"] as? String == key.line)
        #expect(shown["name"] as? String == "alice")
        let human = try cli.ok(["keys", "show"]).out
        #expect(human.contains(key.line) && human.hasPrefix("# "))
        let again = try cli.run(["keys", "generate", "--name", "alice"] + Self.fast, environment: ["AI_MEM_PASSPHRASE": "x"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
        #expect(try jsonObject(cli.ok(["keys", "show", "--json"]).stdout)["key_id"] as? String == key.keyID)
        let mode = try FileManager.default.attributesOfItem(atPath: cli.path("store/identity.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func noPassphraseSourceAndNoTerminalIsAClearErrorNotAHang() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let r = try cli.run(["keys", "generate", "--name", "alice"] + Self.fast)
        #expect(r.status == 1)
        #expect(r.stderr.contains("ai-mem: error: a passphrase is needed"))
        #expect(r.stderr.contains("ai-mem: hint: pass --passphrase-file FILE, set AI_MEM_PASSPHRASE"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("store/identity.key")))
    }

    @Test func passphraseFileWrongPassphraseAndNoPassphrase() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try FileManager.default.createDirectory(at: cli.home, withIntermediateDirectories: true)
        let pwFile = cli.path("pw.txt")
        try "from a file\n".write(toFile: pwFile, atomically: true, encoding: .utf8)
        // A passphrase file others may read is refused like a key file.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: pwFile)
        let open = try cli.run(["keys", "generate", "--name", "carol", "--passphrase-file", pwFile] + Self.fast)
        #expect(open.status == 1 && open.stderr.contains("it is open to group or others (mode 644); chmod 600 \(pwFile)"), "\(open.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("store/identity.key")))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pwFile)
        try cli.ok(["keys", "generate", "--name", "carol", "--passphrase-file", pwFile] + Self.fast)
        // Rotation unlocks the key: the right passphrase from the file works, a wrong one from the environment does not.
        let wrong = try cli.run(["keys", "rotate"] + Self.fast, environment: ["AI_MEM_PASSPHRASE": "not it"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("wrong passphrase for key"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("store/retired-keys")))
        try cli.ok(["keys", "rotate", "--passphrase-file", pwFile] + Self.fast)

        let other = CLI()
        defer { other.cleanUp() }
        let unattended = try other.run(["keys", "generate", "--name", "cron", "--no-passphrase"])
        #expect(unattended.status == 0)
        #expect(unattended.stderr.contains("warning: the secret key is stored unencrypted"))
        #expect(try jsonObject(other.ok(["keys", "show", "--json"]).stdout)["protected"] as? Bool == false)
        try other.ok(["keys", "rotate"] + Self.fast)  // no passphrase needed
    }

    @Test func insecureKeyFileIsRefusedWithChmodHint() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try generate(cli, name: "alice")
        let path = cli.path("store/identity.key")
        for mode in [0o644, 0o620, 0o602] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            let r = try cli.run(["keys", "show"])
            #expect(r.status == 1)
            #expect(r.stderr.contains("is open to group or others (mode \(String(mode, radix: 8)): only you may read or write it)"), "\(r.stderr)")
            #expect(r.stderr.contains("ai-mem: hint: chmod 600 \(path)"))
        }
    }

    @Test func trustListRevokeRemoveWithJSON() throws {
        let alice = CLI(), bob = CLI()
        defer { alice.cleanUp(); bob.cleanUp() }
        let a = try generate(alice, name: "alice")
        let b = try generate(bob, name: "bob")
        try FileManager.default.createDirectory(at: bob.home, withIntermediateDirectories: true)
        let keyFile = bob.path("alice.pub")
        try alice.ok(["keys", "show"]).stdout.write(to: URL(fileURLWithPath: keyFile))
        let trusted = try jsonObject(bob.ok(["keys", "trust", keyFile, "--name", "alice", "--json"]).stdout)
        #expect(trusted["key_id"] as? String == a.keyID)
        #expect(trusted["status"] as? String == "trusted")

        let listed = try jsonArray(bob.ok(["keys", "list", "--json"]).stdout)
        #expect(listed.count == 2)
        #expect(listed[0]["self"] as? Bool == true && listed[0]["key_id"] as? String == b.keyID)
        #expect(listed[1]["name"] as? String == "alice" && listed[1]["public_key"] as? String == a.line)
        #expect(listed[1]["added_at"] is Double)
        #expect(listed[1]["self"] == nil)

        let dupName = try bob.run(["keys", "trust", SecretLine.random(), "--name", "alice"])
        #expect(dupName.status == 1 && dupName.stderr.contains("already has an entry named alice"))
        let dupKey = try bob.run(["keys", "trust", a.line, "--name", "alice2"])
        #expect(dupKey.status == 1 && dupKey.stderr.contains("already in the keyring as alice"))
        let own = try bob.run(["keys", "trust", b.line, "--name", "me"])
        #expect(own.status == 1 && own.stderr.contains("your own key"))

        let revoked = try jsonObject(bob.ok(["keys", "revoke", "alice", "--reason", "left the team", "--json"]).stdout)
        #expect(revoked["status"] as? String == "revoked")
        #expect(revoked["revoked_reason"] as? String == "left the team")
        #expect(try bob.ok(["keys", "list"]).out.contains("revoked (left the team)"))
        try bob.ok(["keys", "remove", String(a.keyID.prefix(8))])
        #expect(try jsonArray(bob.ok(["keys", "list", "--json"]).stdout).count == 1)
        let unknown = try bob.run(["keys", "revoke", "alice"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no keyring entry named or with key id alice"))
    }

    @Test func typosInKeyLinesAreNamed() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let line = SecretLine.random()
        var chars = Array(line)
        chars[20] = chars[20] == "Q" ? "R" : "Q"
        let typo = try cli.run(["keys", "trust", String(chars), "--name", "x"])
        #expect(typo.status == 1 && typo.stderr.contains("bad checksum"))
        let short = try cli.run(["keys", "trust", String(line.dropLast(5)), "--name", "x"])
        #expect(short.stderr.contains("wrong length"))
        let version = try cli.run(["keys", "trust", line.replacingOccurrences(of: "pk1:", with: "pk9:"), "--name", "x"])
        #expect(version.stderr.contains("unsupported key version 9"))
        let notAFile = try cli.run(["keys", "trust", "no-such-file.pub", "--name", "x"])
        #expect(notAFile.status == 1 && notAFile.stderr.contains("neither a public-key line nor a readable file"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("store/keyring.txt")))
    }

    /// A key line whose X25519 half is all zeros (small order) or whose Ed25519 half is not
    /// a usable point: correct checksum, and yet refused by `keys trust` and `--to`, so no
    /// snapshot is ever sealed to a key nobody can open.
    @Test func keysOfSmallOrderAreRefusedByTrustAndExport() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try generate(cli, name: "alice")
        let genuine = SecretIdentity.generate().publicIdentity
        let zeroX25519 = PublicIdentity(signingKey: genuine.signingKey, encryptionKey: try X25519.PublicKey(bytes: [UInt8](repeating: 0, count: 32)))
        var identityPoint = [UInt8](repeating: 0, count: 32)
        identityPoint[0] = 1  // the neutral element: order 1
        let smallEd25519 = PublicIdentity(signingKey: try Ed25519.PublicKey(bytes: identityPoint), encryptionKey: genuine.encryptionKey)
        let before = try cli.ok(["keys", "list", "--json"]).stdout
        for (key, which) in [(zeroX25519, "X25519"), (smallEd25519, "Ed25519")] {
            let trust = try cli.run(["keys", "trust", key.keyLine, "--name", "eve"])
            #expect(trust.status == 1)
            #expect(trust.stderr.contains("ai-mem: error: invalid public key: its \(which) key is not a usable point"), "\(trust.stderr)")
            let export = try cli.run(["snapshot", "export", cli.path("out.aimem"), "--to", key.keyLine], environment: ["AI_MEM_PASSPHRASE": "x"])
            #expect(export.status == 1 && export.stderr.contains("not a usable point"), "\(export.stderr)")
            #expect(!FileManager.default.fileExists(atPath: cli.path("out.aimem")))
        }
        #expect(try cli.ok(["keys", "list", "--json"]).stdout == before)
    }

    @Test func passwdKeepsTheKeyID() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let key = try generate(cli, name: "alice", passphrase: "old pass")
        let r = try cli.run(["keys", "passwd"] + Self.fast, environment: ["AI_MEM_PASSPHRASE": "old pass", "AI_MEM_NEW_PASSPHRASE": "new pass"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try jsonObject(cli.ok(["keys", "show", "--json"]).stdout)["key_id"] as? String == key.keyID)
        let old = try cli.run(["keys", "rotate"] + Self.fast, environment: ["AI_MEM_PASSPHRASE": "old pass"])
        #expect(old.status == 1 && old.stderr.contains("wrong passphrase"))
        let removed = try cli.run(["keys", "passwd", "--no-passphrase"], environment: ["AI_MEM_PASSPHRASE": "new pass"])
        #expect(removed.status == 0 && removed.stderr.contains("unencrypted"))
        #expect(try jsonObject(cli.ok(["keys", "show", "--json"]).stdout)["protected"] as? Bool == false)
    }

    @Test func rotationStatementMovesTheTrustedEntryAndForgeriesAreRefused() throws {
        let alice = CLI(), bob = CLI()
        defer { alice.cleanUp(); bob.cleanUp() }
        let a = try generate(alice, name: "alice")
        _ = try generate(bob, name: "bob")
        try bob.ok(["keys", "trust", a.line, "--name", "alice"])
        let rotated = try alice.run(["keys", "rotate", "--json"] + Self.fast, environment: ["AI_MEM_PASSPHRASE": a.passphrase])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let r = try jsonObject(rotated.stdout)
        let statement = r["rotation_statement"] as! String
        let newKeyID = r["key_id"] as! String
        #expect(r["old_key_id"] as? String == a.keyID && newKeyID != a.keyID)

        // A forged statement (one signature character changed) changes nothing.
        var forged = Array(statement)
        let i = forged.count - 10
        forged[i] = forged[i] == "A" ? "B" : "A"
        let refused = try bob.run(["keys", "trust", String(forged)])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("signature invalid"))
        #expect(try jsonArray(bob.ok(["keys", "list", "--json"]).stdout)[1]["key_id"] as? String == a.keyID)

        // The genuine statement, from the file alice's home keeps.
        let moved = try jsonObject(bob.ok(["keys", "trust", alice.path("store/rotation-statement.txt"), "--yes", "--json"]).stdout)
        #expect(moved["name"] as? String == "alice" && moved["key_id"] as? String == newKeyID)
        #expect(moved["rotated_from"] as? String == a.keyID)

        // Someone who never trusted alice cannot be moved by her statement.
        let carol = CLI()
        defer { carol.cleanUp() }
        let untrusted = try carol.run(["keys", "trust", statement])
        #expect(untrusted.status == 1 && untrusted.stderr.contains("untrusted signer \(a.keyID)"))
    }

    @Test func malformedKeyringIsAClearErrorNamingTheLine() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try FileManager.default.createDirectory(at: cli.home.appendingPathComponent("store"), withIntermediateDirectories: true)
        try "[alice]\nkey_id = 1\nnonsense here\n".write(toFile: cli.path("store/keyring.txt"), atomically: true, encoding: .utf8)
        let r = try cli.run(["keys", "list"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("keyring.txt: line 3: expected `field = value`"))
    }
}

/// Public-key lines of throw-away identities, made through the binary.
enum SecretLine {
    static func random() -> String {
        let cli = CLI()
        defer { cli.cleanUp() }
        let r = try! cli.run(["keys", "generate", "--no-passphrase", "--name", "tmp", "--json"])
        return (try! jsonObject(r.stdout))["public_key"] as! String
    }
}
