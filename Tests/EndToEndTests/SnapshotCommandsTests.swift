import Foundation
import Testing

/// `ai-mem snapshot …` through the built binary: the team-sharing flow, stdin and
/// stdout, and refusals with their classes and exit status.
struct SnapshotCommandsTests {
    /// A person with an unprotected identity (fast) and a few memories.
    func person(_ name: String, memories: [String] = []) throws -> (cli: CLI, line: String, keyID: String) {
        let cli = CLI()
        let r = try cli.run(["keys", "generate", "--name", name, "--no-passphrase", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try jsonObject(r.stdout)
        for m in memories { try cli.ok(["add", m, "--project", "/team"]) }
        return (cli, o["public_key"] as! String, o["key_id"] as! String)
    }

    /// Every observation has an author: shown by `show`, in the JSON of show, list and
    /// search, and selectable with `list --author`.
    @Test func authorsAreShownAndFiltered() throws {
        let alice = try person("alice", memories: ["Alice: the staging database is reset every Sunday"])
        let bob = try person("bob", memories: ["Bob: the build cache lives in /var/cache/ci"])
        defer { alice.cli.cleanUp(); bob.cli.cleanUp() }
        try alice.cli.ok(["keys", "trust", bob.line, "--name", "bob"])
        try bob.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        let file = alice.cli.path("a.aimem")
        let snapshot = try jsonObject(alice.cli.ok(["snapshot", "export", file, "--to", "bob", "--json"]).stdout)
        try bob.cli.ok(["snapshot", "merge", file])
        let all = try jsonArray(bob.cli.ok(["list", "--json"]).stdout)
        #expect(all.count == 2)
        let byContent = Dictionary(uniqueKeysWithValues: all.map { ($0["content"] as! String, $0["author"] as! [String: Any]) })
        #expect(byContent["Alice: the staging database is reset every Sunday"]?["name"] as? String == "alice")
        #expect(byContent["Alice: the staging database is reset every Sunday"]?["key_id"] as? String == alice.keyID)
        #expect(byContent["Bob: the build cache lives in /var/cache/ci"]?["name"] as? String == "you")
        #expect(byContent["Bob: the build cache lives in /var/cache/ci"]?["key_id"] as? String == bob.keyID)
        for (author, expected) in [("alice", "Alice: the staging database is reset every Sunday"), (alice.keyID, "Alice: the staging database is reset every Sunday"),
                                   ("me", "Bob: the build cache lives in /var/cache/ci")] {
            let listed = try jsonArray(bob.cli.ok(["list", "--author", author, "--json"]).stdout)
            #expect(listed.map { $0["content"] as? String } == [expected], "--author \(author)")
        }
        let unknown = try bob.cli.run(["list", "--author", "zoe"])
        #expect(unknown.status == 1 && unknown.stderr.contains("ai-mem: error: no author zoe in your keyring"))
        let id = try #require(all.first { ($0["author"] as? [String: Any])?["name"] as? String == "alice" }?["id"] as? String)
        let shown = try jsonObject(bob.cli.ok(["show", id, "--json"]).stdout)
        let provenance = try #require(shown["provenance"] as? [String: Any])
        #expect(provenance["snapshot_id"] as? String == snapshot["snapshot_id"] as? String)
        #expect((provenance["signer"] as? [String: Any])?["name"] as? String == "alice")
        let text = try bob.cli.ok(["show", id]).out
        #expect(text.contains("author:     alice (key \(alice.keyID))") && text.contains("signed by alice"))
        let hits = try jsonArray(bob.cli.ok(["search", "staging database", "--mode", "keyword", "--json"]).stdout)
        #expect((hits.first?["observation"] as? [String: Any]).flatMap { $0["author"] as? [String: Any] }?["name"] as? String == "alice")
    }

    /// `edit` changes your own memories (and the edit reaches your other device);
    /// a teammate's is refused; `delete --author` removes what one author brought.
    @Test func editYourOwnAndCleanUpAfterATeammate() throws {
        let laptop = try person("me-laptop", memories: ["The release checklist lives in docs/release.md"])
        let desktop = try person("me-desktop")
        let alice = try person("alice", memories: ["Alice: rotate the TLS certificates in March", "Alice: the VPN needs MFA"])
        defer { laptop.cli.cleanUp(); desktop.cli.cleanUp(); alice.cli.cleanUp() }
        try laptop.cli.ok(["keys", "trust", desktop.line, "--name", "me-desktop", "--mine"])
        try desktop.cli.ok(["keys", "trust", laptop.line, "--name", "me-laptop", "--mine"])
        try laptop.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        try alice.cli.ok(["keys", "trust", laptop.line, "--name", "laptop"])
        // The desktop gets the laptop's memory, then the laptop edits it and hands it over again.
        let first = laptop.cli.path("1.aimem"), second = laptop.cli.path("2.aimem")
        try laptop.cli.ok(["snapshot", "export", first, "--to", "me-desktop"])
        try desktop.cli.ok(["snapshot", "merge", first])
        let id = try #require(try jsonArray(laptop.cli.ok(["list", "--json"]).stdout).first?["id"] as? String)
        let before = try jsonObject(laptop.cli.ok(["show", id, "--json"]).stdout)
        let edited = try jsonObject(laptop.cli.ok(["edit", id, "--content", "The release checklist moved to the wiki", "--tag", "release", "--json"]).stdout)
        #expect(edited["id"] as? String == id && edited["content"] as? String == "The release checklist moved to the wiki")
        #expect((edited["updated_at"] as! Double) > (before["updated_at"] as! Double) && edited["created_at"] as? Double == before["created_at"] as? Double)
        #expect(edited["tags"] as? [String] == ["release"])
        #expect(try jsonArray(laptop.cli.ok(["search", "wiki", "--mode", "keyword", "--json"]).stdout).count == 1)
        #expect(try jsonArray(laptop.cli.ok(["search", "docs", "--mode", "keyword", "--json"]).stdout).isEmpty)
        try laptop.cli.ok(["snapshot", "export", second, "--to", "me-desktop"])
        let merged = try jsonObject(desktop.cli.ok(["snapshot", "merge", second, "--json"]).stdout)
        #expect(merged["replaced"] as? Int == 1 && merged["not_the_author"] as? Int == 0)
        #expect(try jsonObject(desktop.cli.ok(["show", id, "--json"]).stdout)["content"] as? String == "The release checklist moved to the wiki")
        // Alice's memories: the laptop may not edit them, and can remove them all at once.
        let fromAlice = alice.cli.path("a.aimem")
        try alice.cli.ok(["snapshot", "export", fromAlice, "--to", "laptop"])
        try laptop.cli.ok(["snapshot", "merge", fromAlice])
        let hers = try jsonArray(laptop.cli.ok(["list", "--author", "alice", "--json"]).stdout)
        #expect(hers.count == 2)
        let herID = try #require(hers.first?["id"] as? String)
        let refused = try laptop.cli.run(["edit", herID, "--content", "something else"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("ai-mem: error: \(herID) was written by alice (key \(alice.keyID)): only its author changes it"))
        #expect(refused.stderr.contains("ai-mem: hint: add a memory of your own"))
        #expect(try jsonObject(laptop.cli.ok(["show", herID, "--json"]).stdout)["content"] as? String == hers.first?["content"] as? String)
        let dry = try jsonObject(laptop.cli.ok(["delete", "--author", "alice", "--dry-run", "--json"]).stdout)
        #expect(dry["count"] as? Int == 2 && dry["dry_run"] as? Bool == true)
        #expect(try jsonArray(laptop.cli.ok(["list", "--json"]).stdout).count == 3)
        #expect(try laptop.cli.ok(["delete", "--author", "alice"]).out.contains("deleted 2 observations written by alice"))
        #expect(try jsonArray(laptop.cli.ok(["list", "--json"]).stdout).map { $0["id"] as? String } == [id])
        let mine = try laptop.cli.run(["delete", "--author", "me"])
        #expect(mine.status == 1 && mine.stderr.contains("would forget your own memories"))
        let neither = try laptop.cli.run(["delete"])
        #expect(neither.status == 1 && neither.stderr.contains("ai-mem: error: give an id, or --author NAME"))
    }

    @Test func teamSharingFlowEndToEnd() throws {
        let alice = try person("alice", memories: ["Use PostgreSQL 16 for orders", "Pagination bug fixed: page=0 👩‍💻"])
        let bob = try person("bob")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp() }
        try alice.cli.ok(["keys", "trust", bob.line, "--name", "bob"])
        try bob.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        let file = alice.cli.path("team.aimem")
        let exported = try jsonObject(alice.cli.ok(["snapshot", "export", file, "--to", "bob", "--json"]).stdout)
        #expect(exported["count"] as? Int == 2)
        #expect((exported["recipients"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted() == ["bob", "you"])
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) == exported["bytes"] as? Int)

        let inspected = try jsonObject(bob.cli.ok(["snapshot", "inspect", file, "--json"]).stdout)
        #expect((inspected["signer"] as? [String: Any])?["trust"] as? String == "trusted")
        #expect(inspected["signature_valid"] as? Bool == true)
        #expect(inspected["count"] as? Int == 2)
        #expect(try bob.cli.ok(["snapshot", "verify", file]).out.hasPrefix("ok: "))
        #expect(try jsonArray(bob.cli.ok(["list", "--json"]).stdout).isEmpty)  // verify and inspect import nothing

        let merged = try jsonObject(bob.cli.ok(["snapshot", "merge", file, "--json"]).stdout)
        #expect(merged["added"] as? Int == 2)
        #expect(merged["unchanged"] as? Int == 0 && merged["conflicts"] as? Int == 0)
        #expect((merged["signer"] as? [String: Any])?["name"] as? String == "alice")
        #expect((merged["signer"] as? [String: Any])?["key_id"] as? String == alice.keyID)
        #expect(merged["snapshot_id"] as? String == exported["snapshot_id"] as? String)
        let listA = try jsonArray(alice.cli.ok(["list", "--json"]).stdout)
        let listB = try jsonArray(bob.cli.ok(["list", "--json"]).stdout)
        #expect(listA.map { $0["id"] as? String } == listB.map { $0["id"] as? String })
        #expect(listA.map { $0["content"] as? String } == listB.map { $0["content"] as? String })

        let again = try bob.cli.ok(["snapshot", "merge", file])
        #expect(again.out.hasPrefix("already merged"))
        #expect(try jsonArray(bob.cli.ok(["list", "--json"]).stdout).count == 2)
    }

    @Test func stdoutAndStdinWithPassphraseProtectedKeys() throws {
        let alice = CLI(), bob = CLI()
        defer { alice.cleanUp(); bob.cleanUp() }
        let envA = ["AI_MEM_PASSPHRASE": "alice pass"], envB = ["AI_MEM_PASSPHRASE": "bob pass"]
        let a = try jsonObject(alice.run(["keys", "generate", "--name", "alice", "--kdf", "interactive", "--json"], environment: envA).stdout)
        let b = try jsonObject(bob.run(["keys", "generate", "--name", "bob", "--kdf", "interactive", "--json"], environment: envB).stdout)
        try bob.ok(["keys", "trust", a["public_key"] as! String, "--name", "alice"])
        try alice.ok(["add", "streamed through a pipe"])
        // Without a passphrase source and without a terminal: a clear error, no output.
        let locked = try alice.run(["snapshot", "export", "-", "--to", b["public_key"] as! String])
        #expect(locked.status == 1 && locked.stderr.contains("a passphrase is needed") && locked.stdout.isEmpty)
        let exported = try alice.run(["snapshot", "export", "-", "--to", b["public_key"] as! String], environment: envA)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.starts(with: Array("AIMEMSNP".utf8)))
        let wrong = try bob.run(["snapshot", "merge", "-"], input: exported.stdout, environment: ["AI_MEM_PASSPHRASE": "nope"])
        #expect(wrong.status == 1 && wrong.stderr.contains("wrong passphrase"))
        let merged = try bob.run(["snapshot", "merge", "-", "--json"], input: exported.stdout, environment: envB)
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(try jsonObject(merged.stdout)["added"] as? Int == 1)
    }

    @Test func refusalsNameTheirClassAndChangeNothing() throws {
        let alice = try person("alice", memories: ["secret plan"])
        let bob = try person("bob", memories: ["bob's own memory"])
        let mallory = try person("mallory", memories: ["injected"])
        defer { alice.cli.cleanUp(); bob.cli.cleanUp(); mallory.cli.cleanUp() }
        try bob.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        let before = try bob.cli.ok(["list", "--json"]).stdout

        func refused(_ path: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let r = try bob.cli.run(["snapshot", "merge", path])
            #expect(r.status != 0, sourceLocation: sourceLocation)
            #expect(r.stderr.contains("ai-mem: error: \(expected)"), "\(r.stderr)", sourceLocation: sourceLocation)
            #expect(try bob.cli.ok(["list", "--json"]).stdout == before, sourceLocation: sourceLocation)
            let verify = try bob.cli.run(["snapshot", "verify", path])
            #expect(verify.status != 0, sourceLocation: sourceLocation)
        }

        // Untrusted signer.
        let fromMallory = mallory.cli.path("m.aimem")
        try mallory.cli.ok(["snapshot", "export", fromMallory, "--to", bob.line])
        try refused(fromMallory, "untrusted signer \(mallory.keyID)")

        // Not a recipient.
        let notForBob = alice.cli.path("self.aimem")
        try alice.cli.ok(["snapshot", "export", notForBob])
        try refused(notForBob, "not a recipient")

        // Tampered, truncated, trailing data.
        let good = alice.cli.path("good.aimem")
        try alice.cli.ok(["snapshot", "export", good, "--to", bob.line])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        let headerLength = 35 + 80 * Int(bytes[9])
        var flipped = bytes
        flipped[headerLength + 40] ^= 0x80
        let tampered = alice.cli.path("tampered.aimem")
        try Data(flipped).write(to: URL(fileURLWithPath: tampered))
        try refused(tampered, "corrupted at chunk 1")
        let cut = alice.cli.path("cut.aimem")
        try Data(bytes.dropLast(10)).write(to: URL(fileURLWithPath: cut))
        try refused(cut, "truncated")
        bytes.append(0x0A)
        let trailing = alice.cli.path("trailing.aimem")
        try Data(bytes).write(to: URL(fileURLWithPath: trailing))
        try refused(trailing, "trailing data")

        // Revoked signer: the genuine file is refused once alice is revoked.
        try bob.cli.ok(["keys", "revoke", "alice", "--reason", "test"])
        try refused(good, "revoked signer alice")

        // An encrypted snapshot given to the plain importer says what it is.
        let wrongCommand = try bob.cli.run(["import", good])
        #expect(wrongCommand.status == 1 && wrongCommand.stderr.contains("is an encrypted snapshot") && wrongCommand.stderr.contains("snapshot merge"))

        // A plain export is not a snapshot.
        let plain = alice.cli.path("plain.ndjson")
        try alice.cli.ok(["export", plain])
        try refused(plain, "not a snapshot")
    }

    @Test func failedExportLeavesNoFileAndRevokedRecipientsAreRefused() throws {
        let alice = try person("alice", memories: ["x"])
        defer { alice.cli.cleanUp() }
        let target = alice.cli.path("never.aimem")
        let unknown = try alice.cli.run(["snapshot", "export", target, "--to", "nobody"])
        #expect(unknown.status == 1 && unknown.stderr.contains("nobody"))
        #expect(!FileManager.default.fileExists(atPath: target))
        let none = try alice.cli.run(["snapshot", "export", target, "--no-self"])
        #expect(none.status == 1 && none.stderr.contains("no recipients"))
        #expect(!FileManager.default.fileExists(atPath: target))
        let bob = try person("bob")
        defer { bob.cli.cleanUp() }
        try alice.cli.ok(["keys", "trust", bob.line, "--name", "bob"])
        try alice.cli.ok(["keys", "revoke", "bob"])
        let revoked = try alice.cli.run(["snapshot", "export", target, "--to", "bob"])
        #expect(revoked.status == 1 && revoked.stderr.contains("revoked recipient bob"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: alice.cli.home.path).allSatisfy { !$0.contains("never") })
    }

    @Test func recipientsFileAndConflictPolicyFromTheCommandLine() throws {
        let alice = try person("alice")
        let bob = try person("bob")
        let carol = try person("carol")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp(); carol.cli.cleanUp() }
        try FileManager.default.createDirectory(at: alice.cli.home, withIntermediateDirectories: true)
        let recipients = alice.cli.path("team.txt")
        try "# the team\n\(bob.line)\n\n\(carol.line)\n".write(toFile: recipients, atomically: true, encoding: .utf8)
        let id = try alice.cli.ok(["add", "shared fact, alice's wording"]).out.trimmingCharacters(in: .newlines)
        let file = alice.cli.path("s.aimem")
        let exported = try jsonObject(alice.cli.ok(["snapshot", "export", file, "--to", recipients, "--json"]).stdout)
        #expect((exported["recipients"] as? [Any])?.count == 3)
        for reader in [bob, carol] {
            try reader.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        }
        // Carol already has the id with other content, her own (imported, newer): only a
        // memory's author changes it, so Alice's version is refused under every policy.
        try carol.cli.ok(["import", "-"], input: Data(#"{"id": "\#(id)", "content": "carol's wording", "created_at": 1790000000}"#.utf8))
        let kept = try jsonObject(carol.cli.ok(["snapshot", "merge", file, "--json", "--dry-run"]).stdout)
        #expect(kept["conflicts"] as? Int == 0 && kept["not_the_author"] as? Int == 1 && kept["committed"] as? Bool == false)
        #expect(kept["not_the_author_ids"] as? [String] == [id])
        let taken = try carol.cli.run(["snapshot", "merge", file, "--on-conflict", "take-theirs"])
        #expect(taken.status == 0)
        #expect(taken.out.contains("1 not the author (kept yours)") && taken.stderr.contains("ai-mem: warning: alice (key"), "\(taken.stderr)")
        #expect(try jsonObject(carol.cli.ok(["show", id, "--json"]).stdout)["content"] as? String == "carol's wording")
        #expect(try jsonObject(bob.cli.ok(["snapshot", "merge", file, "--json"]).stdout)["added"] as? Int == 1)
    }
}
