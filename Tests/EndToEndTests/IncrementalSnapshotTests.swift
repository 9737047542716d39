import Foundation
import Testing

/// Issue 15, items 1–2: incremental snapshots carry only what changed since the
/// chain's previous snapshot; a full snapshot and 30 increments restore exactly the
/// source store; a reader missing a base is told which one.
@Suite(.serialized)
struct IncrementalSnapshotTests {


    func add(_ p: Person, _ text: String) throws -> String {
        try p.cli.ok(["add", text, "--project", "/chain", "--tag", "t"]).out.trimmingCharacters(in: .newlines)
    }

    /// Exports to yourself (a backup) into `folder`; returns the JSON report.
    func backup(_ p: Person, _ name: String, into folder: URL, _ extra: [String] = []) throws -> [String: Any] {
        try jsonObject(p.cli.ok(["snapshot", "export", folder.appendingPathComponent(name).path, "--json"] + extra).stdout)
    }

    /// Every field of every memory, as `list --json` shows them, by id.
    func rows(_ cli: CLI) throws -> [String] {
        try jsonArray(cli.ok(["list", "--limit", "0", "--json"]).stdout).map { row -> String in
            let data = try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }.sorted()
    }

    @Test func aFullSnapshotAndThirtyIncrementsRestoreTheStoreExactly() throws {
        let alice = try Person.make("alice"), bob = try Person.make("bob")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp() }
        try alice.cli.ok(["keys", "trust", bob.line, "--name", "bob"])
        let folder = alice.cli.home.appendingPathComponent("backups")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var ids: [String] = []
        for i in 0..<12 { ids.append(try add(alice, "Decision \(i): keep the deploy window on Tuesdays")) }
        let full = try backup(alice, "00-full.aimem", into: folder)
        #expect(full["base"] is NSNull && full["count"] as? Int == 12)
        var previous = full["snapshot_id"] as! String
        var deleted: [String] = []
        for round in 1...30 {
            ids.append(try add(alice, "Round \(round): the cache TTL is \(round * 5) minutes"))
            let edited = ids[round % ids.count]
            try alice.cli.ok(["edit", edited, "--content", "Edited in round \(round)"])
            var changed: Set<String> = [ids.last!, edited]
            if round % 4 == 0 {
                let gone = ids.remove(at: (round * 7) % ids.count)
                try alice.cli.ok(["delete", gone])
                deleted.append(gone)
                changed.remove(gone)
            }
            if round == 10 {
                // A teammate's memory relayed through alice's store travels in her increments.
                try bob.cli.ok(["add", "Bob's note: the staging certificate expires in March"])
                let file = bob.cli.path("to-alice.aimem")
                try bob.cli.ok(["snapshot", "export", file, "--to", alice.line])
                try alice.cli.ok(["snapshot", "merge", file])
            }
            let inc = try backup(alice, String(format: "%02d-inc.aimem", round), into: folder, ["--incremental"])
            let base = try #require(inc["base"] as? [String: Any], "round \(round): \(inc)")
            #expect(base["snapshot_id"] as? String == previous)
            // Only what changed: the new memory and the edit (and the relayed one, the deletion).
            let expected = changed.count + (round == 10 ? 1 : 0)
            #expect(inc["count"] as? Int == expected, "round \(round): \(inc)")
            #expect(inc["tombstones"] as? Int == (round % 4 == 0 ? 1 : 0), "round \(round): \(inc)")
            previous = inc["snapshot_id"] as! String
        }
        // Nothing changed: an empty increment.
        let idle = try backup(alice, "31-inc.aimem", into: folder, ["--incremental"])
        #expect(idle["count"] as? Int == 0 && idle["tombstones"] as? Int == 0)

        // A new machine: alice's key and keyring, an empty store, the folder merged in chain order.
        let restored = try CLI.copying(["identity.key", "keyring.txt"], from: alice.cli)
        defer { restored.cleanUp() }
        // Given in reverse order on purpose: merge orders them by sequence.
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().reversed().map { folder.appendingPathComponent($0).path }
        let report = try jsonObject(restored.ok(["snapshot", "merge", "--json"] + files).stdout)
        #expect(report["merged"] as? Int == 32 && report["refused"] as? Int == 0, "\(report)")
        let order = (report["files"] as! [[String: Any]]).map { ($0["file"] as! NSString).lastPathComponent }
        #expect(order == (try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()))
        #expect(!(report["files"] as! [[String: Any]]).contains { $0["missing_base"] as? Bool == true })
        #expect(try rows(restored) == rows(alice.cli))
        #expect(try rows(restored).count == 12 + 30 + 1 - deleted.count)
        // The tombstones came too: the old full snapshot does not bring a deleted memory back.
        for id in deleted { #expect(try restored.run(["show", id]).status != 0) }
        let folderAgain = try jsonObject(restored.ok(["snapshot", "merge", folder.path, "--json"]).stdout)
        #expect(folderAgain["merged"] as? Int == 32)
        #expect((folderAgain["files"] as! [[String: Any]]).allSatisfy { $0["already_merged"] as? Bool == true })
    }

    @Test func aReaderMissingTheBaseIsToldWhichSnapshot() throws {
        let alice = try Person.make("alice"), bob = try Person.make("bob")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp() }
        try bob.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        try alice.cli.ok(["keys", "trust", bob.line, "--name", "bob"])
        _ = try add(alice, "The first memory")
        let first = alice.cli.path("1.aimem"), second = alice.cli.path("2.aimem")
        let one = try jsonObject(alice.cli.ok(["snapshot", "export", first, "--to", "bob", "--incremental", "--json"]).stdout)
        #expect(one["base"] is NSNull)
        _ = try add(alice, "The second memory")
        let two = try jsonObject(alice.cli.ok(["snapshot", "export", second, "--to", "bob", "--incremental", "--json"]).stdout)
        #expect((two["base"] as? [String: Any])?["snapshot_id"] as? String == one["snapshot_id"] as? String)
        #expect(two["count"] as? Int == 1)
        // Bob merges only the second: applied, with a warning naming the first.
        let merged = try bob.cli.ok(["snapshot", "merge", second])
        #expect(merged.stderr.contains("carries only what changed since snapshot \(one["snapshot_id"] as! String)"), "\(merged.stderr)")
        #expect(try jsonObject(bob.cli.ok(["stats", "--json"]).stdout)["observations"] as? Int == 1)
        // A chain to other recipients is another chain: its first increment is full.
        let other = try jsonObject(alice.cli.ok(["snapshot", "export", alice.cli.path("3.aimem"), "--incremental", "--json"]).stdout)
        #expect(other["base"] is NSNull && other["count"] as? Int == 2)
        // --since-snapshot names the base; an unknown one is refused, and nothing is written.
        let since = try jsonObject(alice.cli.ok(["snapshot", "export", alice.cli.path("4.aimem"), "--to", "bob", "--since-snapshot",
                                                 one["snapshot_id"] as! String, "--json"]).stdout)
        #expect(since["count"] as? Int == 1)
        let unknown = try alice.cli.run(["snapshot", "export", alice.cli.path("5.aimem"), "--to", "bob", "--since-snapshot", "no-such-snapshot"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no snapshot no-such-snapshot was exported from this store"))
        #expect(!FileManager.default.fileExists(atPath: alice.cli.path("5.aimem")))
    }

    @Test func aTamperedFileInAFolderIsNamedAndTheRestMerges() throws {
        let alice = try Person.make("alice")
        defer { alice.cli.cleanUp() }
        let folder = alice.cli.home.appendingPathComponent("chain")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = try add(alice, "one")
        _ = try backup(alice, "a.aimem", into: folder)
        _ = try add(alice, "two")
        _ = try backup(alice, "b.aimem", into: folder, ["--incremental"])
        var bytes = try Data(contentsOf: folder.appendingPathComponent("b.aimem"))
        bytes[bytes.count - 100] ^= 1
        try bytes.write(to: folder.appendingPathComponent("b.aimem"))
        let fresh = try CLI.copying(["identity.key"], from: alice.cli)
        defer { fresh.cleanUp() }
        let r = try fresh.run(["snapshot", "merge", folder.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("b.aimem: corrupted") || r.stderr.contains("b.aimem: signature invalid"), "\(r.stderr)")
        #expect(r.stderr.contains("1 of 2 snapshots merged, 1 refused"), "\(r.stderr)")
        #expect(try jsonObject(fresh.ok(["stats", "--json"]).stdout)["observations"] as? Int == 1)
    }
}
