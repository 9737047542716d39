import Foundation
import Testing

/// Issue 14, item 4: names and recipients that mean one thing.
struct RecipientNamesTests {
    @Test func aBareWordIsNeverReadAsAFile() throws {
        let alice = CLI(), eve = CLI()
        defer { alice.cleanUp(); eve.cleanUp() }
        try alice.ok(["keys", "generate", "--name", "alice", "--no-passphrase"])
        try alice.ok(["add", "a memory"])
        let e = try jsonObject(eve.ok(["keys", "generate", "--name", "eve", "--no-passphrase", "--json"]).stdout)
        // A file named like the intended teammate, in the current directory, holding eve's key.
        let work = alice.home
        try ((e["public_key"] as! String) + "\n").write(to: work.appendingPathComponent("Alice"), atomically: true, encoding: .utf8)
        let target = alice.path("s.aimem")
        let bare = try alice.run(["snapshot", "export", target, "--to", "Alice"], workingDirectory: work)
        #expect(bare.status == 1 && bare.stderr.contains("no keyring entry named or with key id Alice"), "\(bare.stderr)")
        #expect(bare.stderr.contains("a file of public keys is given as a path (./FILE)"))
        #expect(!FileManager.default.fileExists(atPath: target))
        // Written as a path it is read, and the key that is not in the keyring is named.
        let path = try alice.run(["snapshot", "export", target, "--to", "./Alice"], workingDirectory: work)
        #expect(path.status == 0, "\(path.stderr)")
        #expect(path.stderr.contains("ai-mem: warning: recipient \(e["key_id"] as! String) is not in your keyring"), "\(path.stderr)")
        let missing = try alice.run(["snapshot", "export", target, "--to", "./nobody.txt"], workingDirectory: work)
        #expect(missing.status == 1 && missing.stderr.contains("no file ./nobody.txt of public keys"), "\(missing.stderr)")
    }

    @Test func namesAreAsciiAndDoNotLookLikeKeys() throws {
        let alice = CLI(), bob = CLI()
        defer { alice.cleanUp(); bob.cleanUp() }
        try alice.ok(["keys", "generate", "--name", "alice", "--no-passphrase"])
        let b = try jsonObject(bob.ok(["keys", "generate", "--name", "bob", "--no-passphrase", "--json"]).stdout)
        let line = b["public_key"] as! String
        for name in ["b\u{43E}b", "cafe1234", String((b["key_id"] as! String).prefix(8)), "ai-mem-pk1:x", "José"] {
            let r = try alice.run(["keys", "trust", line, "--name", name])
            #expect(r.status == 1 && r.stderr.contains("invalid name"), "\(name): \(r.stderr)")
            #expect(r.stderr.contains("ASCII letters"))
        }
        let fresh = CLI()
        defer { fresh.cleanUp() }
        let cafe = try fresh.run(["keys", "generate", "--name", "cafe", "--no-passphrase"])
        #expect(cafe.status == 1 && cafe.stderr.contains("invalid name"), "\(cafe.stderr)")
        try alice.ok(["keys", "trust", line, "--name", "bob.smith@example.org"])
    }
}
