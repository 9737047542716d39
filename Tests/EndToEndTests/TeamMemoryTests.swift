import Foundation
import Testing

/// Issue 13's scenarios through the release binary, payload 2: authors survive
/// relays, edits and deletions travel, tampered relays and absurd times are refused.
@Suite(.serialized)
struct TeamMemoryTests {


    func trust(_ reader: Person, _ others: (Person, String)...) throws {
        for (other, name) in others { try reader.cli.ok(["keys", "trust", other.line, "--name", name]) }
    }

    /// Exports from `from` to `to` and merges it there; returns the merge report.
    @discardableResult
    func send(_ from: Person, to: Person, extra: [String] = []) throws -> [String: Any] {
        let file = from.cli.path("s-\(UUID().uuidString).aimem")
        try from.cli.ok(["snapshot", "export", file, "--to", to.line] + extra)
        return try jsonObject(to.cli.ok(["snapshot", "merge", file, "--json"]).stdout)
    }

    @Test func relaysKeepTheAuthorAndCarryEditsAndDeletions() throws {
        let alice = try Person.make("alice"), bob = try Person.make("bob"), carol = try Person.make("carol")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp(); carol.cli.cleanUp() }
        try trust(bob, (alice, "alice"))
        try trust(carol, (alice, "alice"), (bob, "bob"))
        let id = try alice.cli.ok(["add", "Deploys go through the staging cluster first", "--project", "/team"]).out.trimmingCharacters(in: .newlines)
        let leak = try alice.cli.ok(["add", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "--project", "/team"]).out
            .trimmingCharacters(in: .newlines)
        #expect(try send(alice, to: bob)["added"] as? Int == 2)
        // Bob relays Alice's memories to Carol: Alice is still their author.
        let relayed = try send(bob, to: carol)
        #expect(relayed["added"] as? Int == 2 && relayed["payload"] as? Int == 2 && relayed["forged_author"] as? Int == 0)
        let shown = try jsonObject(carol.cli.ok(["show", id, "--json"]).stdout)
        #expect((shown["author"] as? [String: Any])?["key_id"] as? String == alice.keyID)
        #expect((shown["author"] as? [String: Any])?["name"] as? String == "alice")
        // Alice edits one and deletes the other; both reach Carol through Bob.
        try alice.cli.ok(["edit", id, "--content", "Deploys go through the canary cluster first"])
        try alice.cli.ok(["delete", leak])
        let second = try send(alice, to: bob)
        #expect(second["replaced"] as? Int == 1 && second["deleted"] as? Int == 1)
        let file = bob.cli.path("relay-2.aimem")
        try bob.cli.ok(["snapshot", "export", file, "--to", carol.line])
        let inspect = try jsonObject(carol.cli.ok(["snapshot", "inspect", file, "--json"]).stdout)
        #expect(inspect["payload"] as? Int == 2 && inspect["tombstones"] as? Int == 1)
        let merged = try carol.cli.ok(["snapshot", "merge", file])
        #expect(merged.out.contains("1 deleted by their author"), "\(merged.out)")
        #expect(try jsonObject(carol.cli.ok(["show", id, "--json"]).stdout)["content"] as? String == "Deploys go through the canary cluster first")
        #expect(try carol.cli.run(["show", leak]).status != 0)
        // Carol's earlier copy of Bob's first relay does not bring the deleted memory back.
        let keyword = try carol.cli.ok(["search", "wJalrXUtnFEMI", "--mode", "keyword", "--json"]).stdout
        #expect((try JSONSerialization.jsonObject(with: keyword) as? [Any])?.isEmpty == true)
    }

    /// A teammate who alters someone else's memory before relaying it is caught line by line.
    @Test func aTamperedRelayIsRefusedAndNamed() throws {
        let alice = try Person.make("alice"), bob = try Person.make("bob"), carol = try Person.make("carol")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp(); carol.cli.cleanUp() }
        try trust(bob, (alice, "alice"))
        try trust(carol, (alice, "alice"), (bob, "bob"))
        let id = try alice.cli.ok(["add", "Run the migrations with --dry-run first", "--project", "/team"]).out.trimmingCharacters(in: .newlines)
        try send(alice, to: bob)
        // Bob rewrites Alice's memory in his own store (a plain export, edited, imported into a new home).
        let plain = bob.cli.path("plain.ndjson")
        try bob.cli.ok(["export", plain])
        let edited = try String(contentsOfFile: plain, encoding: .utf8)
            .replacingOccurrences(of: "Run the migrations with --dry-run first", with: "Run the migrations directly on production")
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: bob.cli.home.appendingPathComponent("store/memory.sqlite" + suffix))
        }
        try bob.cli.ok(["import", "-"], input: Data(edited.utf8))
        // Bob's store now holds the altered text as his own: it travels as Bob's, not as Alice's.
        let asBob = try send(bob, to: carol)
        #expect(asBob["added"] as? Int == 1)
        let shown = try jsonObject(carol.cli.ok(["show", id, "--json"]).stdout)
        #expect((shown["author"] as? [String: Any])?["key_id"] as? String == bob.keyID)
        // Alice's genuine version then reaches Carol: it is Alice's row id, but Bob wrote Carol's copy.
        let fromAlice = try send(alice, to: carol)
        #expect(fromAlice["not_the_author"] as? Int == 1)
    }

    /// Times before 2000 or far ahead are refused at import; a snapshot never carries them.
    @Test func absurdTimesNeverEnterAStore() throws {
        let alice = try Person.make("alice")
        defer { alice.cli.cleanUp() }
        let lines = #"{"id": "pinned", "content": "first forever", "created_at": 253402300799}"# + "\n"
            + #"{"id": "old", "content": "before 2000", "created_at": -5}"# + "\n"
            + #"{"id": "fine", "content": "an ordinary memory", "created_at": 1790000000}"# + "\n"
        let r = try alice.cli.run(["import", "-", "--json"], input: Data(lines.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let report = try jsonObject(r.stdout)
        #expect(report["imported"] as? Int == 1 && report["skipped_count"] as? Int == 2, "\(report)")
        #expect((report["skipped"] as? [[String: Any]])?.compactMap { $0["reason"] as? String }.allSatisfy { $0.contains("before 2000-01-01 or more than a day ahead") } == true)
        let listed = try JSONSerialization.jsonObject(with: alice.cli.ok(["list", "--json"]).stdout) as! [[String: Any]]
        #expect(listed.map { $0["id"] as? String } == ["fine"])
    }
}
