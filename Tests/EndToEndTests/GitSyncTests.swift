import Foundation
import TestFixtures
import Testing

/// Issue 15, item 3 with a real engine: three homes share memory through a git
/// repository (a bare repository on disk as the team remote, one clone each),
/// in rounds of `ai-mem sync` + commit + `pull --rebase` + push, with adds, edits and
/// deletions on every side; all three stores converge, nothing is ever refused, and
/// a planted conflict copy and a tampered file change nothing.
@Suite(.serialized)
struct GitSyncTests {

    @discardableResult
    func git(_ args: [String], in dir: String) throws -> String {
        let r = try Subprocess.run("git", args, environment: [
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
            "GIT_CONFIG_NOSYSTEM": "1", "HOME": dir,
        ], directory: dir)
        #expect(r.status == 0, "git \(args.joined(separator: " ")): \(r.stderr)")
        return r.stdout
    }

    /// One turn: pull, sync, commit and push. Returns the sync's JSON report.
    @discardableResult
    func turn(_ p: Person) throws -> [String: Any] {
        try git(["pull", "--rebase", "--quiet"], in: p.clone)
        let report = try jsonObject(p.cli.ok(["sync", p.clone, "--json"]).stdout)
        #expect((report["refused"] as? [Any])?.isEmpty == true, "\(p.name): \(report)")
        try git(["add", "-A"], in: p.clone)
        if !(try git(["status", "--porcelain"], in: p.clone)).isEmpty {
            try git(["commit", "--quiet", "-m", "\(p.name): sync"], in: p.clone)
            try git(["push", "--quiet", "origin", "HEAD:main"], in: p.clone)
        }
        return report
    }


    @Test func threeHomesConvergeThroughAGitRemote() throws {
        let people = [try Person.make("alice"), try Person.make("bob"), try Person.make("carol")]
        defer { for p in people { p.cli.cleanUp() } }
        for p in people { for q in people where q.name != p.name { try p.cli.ok(["keys", "trust", q.line, "--name", q.name]) } }
        let remote = people[0].cli.home.appendingPathComponent("team.git").path
        try git(["init", "--quiet", "--bare", "--initial-branch=main", remote], in: people[0].cli.home.path)
        try git(["clone", "--quiet", remote, people[0].clone], in: people[0].cli.home.path)
        try "Team memory, carried by git.\n".write(toFile: people[0].clone + "/README", atomically: true, encoding: .utf8)
        try git(["add", "README"], in: people[0].clone)
        try git(["commit", "--quiet", "-m", "start"], in: people[0].clone)
        try git(["push", "--quiet", "origin", "HEAD:main"], in: people[0].clone)
        for p in people.dropFirst() { try git(["clone", "--quiet", remote, p.clone], in: p.cli.home.path) }

        var changes = ChangeRounds()
        for round in 1...3 {
            for p in people {
                try changes.change(p, round: round, topic: "the release train leaves")
                try turn(p)
            }
        }
        // Two more quiet rounds carry the last changes everywhere.
        for _ in 0..<2 { for p in people { try turn(p) } }
        let reference = try people[0].memoryLines()
        #expect(reference.count == 3 * 6 - 3)
        for p in people.dropFirst() { #expect(try p.memoryLines() == reference, "\(p.name) differs") }
        for p in people { for id in changes.deleted { #expect(try p.cli.run(["show", id]).status != 0) } }

        // A quiet sync publishes nothing and reads nothing again.
        let quiet = try turn(people[1])
        #expect(quiet["published"] is NSNull && (quiet["merged"] as? [Any])?.isEmpty == true)
        #expect(quiet["already_merged"] as? Int ?? 0 > 0)

        // A conflict copy and a temporary file of an engine are counted, not read; a
        // tampered copy of alice's file under a new name is refused and named.
        let aliceFolder = people[1].clone + "/" + people[0].keyID
        let aliceFile = try #require(try FileManager.default.contentsOfDirectory(atPath: aliceFolder).sorted().last)
        try FileManager.default.copyItem(atPath: aliceFolder + "/" + aliceFile,
                                         toPath: aliceFolder + "/" + aliceFile.replacingOccurrences(of: ".aimem", with: ".sync-conflict-20261202-120000-ABCDEF.aimem"))
        try Data("partial".utf8).write(to: URL(fileURLWithPath: aliceFolder + "/.syncthing.x.aimem.tmp"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: aliceFolder + "/" + aliceFile))
        bytes[bytes.count - 80] ^= 1
        let forgedName = "9999999999999-0F0F0F0F-0000-0000-0000-000000000000.aimem"
        try bytes.write(to: URL(fileURLWithPath: aliceFolder + "/" + forgedName))
        let before = try people[1].memoryLines()
        let hostile = try people[1].cli.run(["sync", people[1].clone, "--json"])
        #expect(hostile.status == 1)
        let report = try jsonObject(hostile.stdout)
        let refused = try #require(report["refused"] as? [[String: Any]])
        #expect(refused.count == 1 && (refused[0]["file"] as? String)?.hasSuffix(forgedName) == true, "\(report)")
        #expect(report["other_files"] as? Int ?? 0 >= 1)
        #expect(try people[1].memoryLines() == before)
    }

    /// A sync publishes what its store's user authored, never a teammate's memories
    /// or deletions again: those reach everyone from their author's own folder.
    @Test func aSyncPublishesOnlyWhatYouAuthored() throws {
        let alice = try Person.make("alice"), bob = try Person.make("bob"), carol = try Person.make("carol")
        defer { for p in [alice, bob, carol] { p.cli.cleanUp() } }
        for p in [alice, bob, carol] { for q in [alice, bob, carol] where q.name != p.name { try p.cli.ok(["keys", "trust", q.line, "--name", q.name]) } }
        let folder = alice.cli.home.appendingPathComponent("team").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let kept = try alice.cli.ok(["add", "Alice: the deploy key lives in the vault"]).out.trimmingCharacters(in: .newlines)
        let gone = try alice.cli.ok(["add", "Alice: a note she deletes"]).out.trimmingCharacters(in: .newlines)
        try alice.cli.ok(["sync", folder])
        try bob.cli.ok(["add", "Bob: the build cache is on the NAS"])
        let first = try jsonObject(bob.cli.ok(["sync", folder, "--json"]).stdout)
        #expect((first["merged"] as? [Any])?.count == 1)
        #expect((first["published"] as? [String: Any])?["records"] as? Int == 1, "bob publishes his own memory only: \(first)")
        try alice.cli.ok(["delete", gone])
        try alice.cli.ok(["sync", folder])
        // Bob merges alice's deletion; his store changed, but nothing he authored did.
        let second = try jsonObject(bob.cli.ok(["sync", folder, "--json"]).stdout)
        #expect((second["merged"] as? [Any])?.count == 1)
        let third = try jsonObject(bob.cli.ok(["sync", folder, "--json"]).stdout)
        #expect(third["published"] is NSNull, "\(third)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/" + bob.keyID).count == 1)
        // Carol gets everything from its authors' folders.
        try carol.cli.ok(["sync", folder])
        #expect(try carol.cli.run(["show", kept]).status == 0 && carol.cli.run(["show", gone]).status != 0)
        #expect(try jsonArray(carol.cli.ok(["list", "--limit", "0", "--json"]).stdout).count == 2)
    }

    /// `--compact` leaves one full snapshot (and what follows) in your folder; a newcomer
    /// who reads the folder then gets everything from it.
    @Test func compactionLeavesOneFullSnapshotANewcomerCanReadAlone() throws {
        let alice = try Person.make("alice"), dave = try Person.make("dave")
        defer { alice.cli.cleanUp(); dave.cli.cleanUp() }
        let folder = alice.cli.home.appendingPathComponent("team").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var ids: [String] = []
        for round in 0..<4 {
            ids.append(try alice.cli.ok(["add", "Alice's note \(round)"]).out.trimmingCharacters(in: .newlines))
            if round == 2 { try alice.cli.ok(["delete", ids.removeFirst()]) }
            try alice.cli.ok(["sync", folder])
        }
        let mine = folder + "/" + alice.keyID
        #expect(try FileManager.default.contentsOfDirectory(atPath: mine).count == 4)
        // Dave joins: alice trusts him, so her team changed; she compacts.
        try alice.cli.ok(["keys", "trust", dave.line, "--name", "dave"])
        let compacted = try jsonObject(alice.cli.ok(["sync", folder, "--compact", "--json"]).stdout)
        #expect((compacted["removed"] as? [Any])?.count == 4)
        #expect((compacted["published"] as? [String: Any])?["full"] as? Bool == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: mine).count == 1)
        // Dave reads one file and has every memory alice kept.
        try dave.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        let joined = try jsonObject(dave.cli.ok(["sync", folder, "--json"]).stdout)
        #expect((joined["merged"] as? [Any])?.count == 1)
        #expect(Set(try jsonArray(dave.cli.ok(["list", "--limit", "0", "--json"]).stdout).map { $0["id"] as! String }) == Set(ids))
    }
}

/// Issue 15 with one person's two machines: both hold the same identity and write
/// the same key folder; each merges the files the other published there (they are
/// not its own exports), deletions included, and a file planted in that folder is
/// refused by both.
@Suite struct OwnMachinesSyncTests {
    @Test func twoMachinesWithOneKeyConvergeThroughTheirOwnFolder() throws {
        let laptop = try Person.make("alice")
        let desktop = Person(name: "alice-desktop", cli: try CLI.copying(["identity.key"], from: laptop.cli), line: laptop.line, keyID: laptop.keyID)
        defer { laptop.cli.cleanUp(); desktop.cli.cleanUp() }
        let folder = laptop.cli.home.appendingPathComponent("team").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let onLaptop = try laptop.cli.ok(["add", "Written on the laptop: the VPN needs the new profile"]).out.trimmingCharacters(in: .newlines)
        try laptop.cli.ok(["sync", folder])
        let onDesktop = try desktop.cli.ok(["add", "Written on the desktop: the printer is on the third floor"]).out.trimmingCharacters(in: .newlines)
        let first = try jsonObject(desktop.cli.ok(["sync", folder, "--json"]).stdout)
        #expect((first["merged"] as? [Any])?.count == 1 && first["own"] as? Int == 1, "\(first)")
        #expect(try desktop.cli.run(["show", onLaptop]).status == 0)
        try laptop.cli.ok(["sync", folder])
        #expect(try laptop.cli.run(["show", onDesktop]).status == 0)
        try laptop.cli.ok(["delete", onLaptop])
        try laptop.cli.ok(["sync", folder])
        try desktop.cli.ok(["sync", folder])
        #expect(try desktop.cli.run(["show", onLaptop]).status != 0)
        // What each relayed settles in a round or two; then a sync publishes and reads nothing.
        for _ in 0..<2 { for machine in [laptop, desktop] { try machine.cli.ok(["sync", folder]) } }
        let quiet = try jsonObject(laptop.cli.ok(["sync", folder, "--json"]).stdout)
        #expect((quiet["merged"] as? [Any])?.isEmpty == true && quiet["published"] is NSNull && quiet["own"] as? Int ?? 0 >= 2, "\(quiet)")
        #expect(try desktop.cli.run(["show", onLaptop]).status != 0 && laptop.cli.run(["show", onLaptop]).status != 0)

        let mine = folder + "/" + laptop.keyID
        let newest = try #require(try FileManager.default.contentsOfDirectory(atPath: mine).sorted().last)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: mine + "/" + newest))
        bytes[bytes.count - 80] ^= 1
        try bytes.write(to: URL(fileURLWithPath: mine + "/9999999999999-0F0F0F0F-0000-0000-0000-000000000000.aimem"))
        for machine in [laptop, desktop] {
            let planted = try machine.cli.run(["sync", folder, "--json"])
            #expect(planted.status == 1)
            #expect((try jsonObject(planted.stdout)["refused"] as? [Any])?.count == 1, "\(machine.name): \(planted.stdout)")
        }
    }
}

extension Person {
    /// This person's clone of the team repository.
    var clone: String { cli.home.appendingPathComponent("clone").path }
}
