import Foundation
import TestFixtures
import Testing

/// Issue 15, item 6b: three homes share memory through real Syncthing daemons on
/// 127.0.0.1, one folder each, synced between them. Each person syncs right after
/// their own change, while Syncthing may still be writing the others' files (its
/// temporary `.syncthing.*.tmp` names); after rounds of adds, edits and deletions on
/// every side all stores converge and no sync ever refused a file. Then a real
/// conflict: two people plant different tampered copies under one name while the
/// folder is paused, Syncthing keeps one and renames the other to a
/// `*.sync-conflict-*` copy; every sync refuses the planted file, counts the copy,
/// and leaves its store unchanged; once the plant is gone, syncing goes on.
@Suite(.serialized)
struct SyncthingSyncTests {


    /// Syncs `p`'s store with its folder (nothing refused) and rescans the folder so
    /// Syncthing announces what the sync wrote.
    @discardableResult
    func turn(_ p: Person, _ daemon: SyncthingDaemon) throws -> [String: Any] {
        let report = try jsonObject(p.cli.ok(["sync", daemon.folder, "--json"]).stdout)
        #expect((report["refused"] as? [Any])?.isEmpty == true, "\(p.name): \(report)")
        try daemon.scan()
        return report
    }

    @Test func threeHomesConvergeThroughSyncthingAndAConflictChangesNothing() throws {
        let people = [try Person.make("alice"), try Person.make("bob"), try Person.make("carol")]
        defer { for p in people { p.cli.cleanUp() } }
        for p in people { for q in people where q.name != p.name { try p.cli.ok(["keys", "trust", q.line, "--name", q.name]) } }
        let daemons = try people.map {
            try SyncthingDaemon(home: $0.cli.home.appendingPathComponent("syncthing").path, folder: $0.cli.home.appendingPathComponent("team").path)
        }
        defer { for d in daemons { d.stop() } }
        for (i, d) in daemons.enumerated() { try d.start(peers: daemons.enumerated().filter { $0.offset != i }.map(\.element)) }

        var changes = ChangeRounds()
        for round in 1...3 {
            for (p, daemon) in zip(people, daemons) {
                try changes.change(p, round: round, topic: "the staging cluster restarts")
                try turn(p, daemon)
            }
        }
        // Quiet rounds, each after Syncthing has carried everything, bring the last changes everywhere.
        for _ in 0..<2 {
            try SyncthingDaemon.waitUntilAlike(daemons)
            for (p, daemon) in zip(people, daemons) { try turn(p, daemon) }
        }
        try SyncthingDaemon.waitUntilAlike(daemons)
        for (p, daemon) in zip(people, daemons) { try turn(p, daemon) }
        let reference = try people[0].memoryLines()
        #expect(reference.count == 3 * 6 - 3)
        for p in people.dropFirst() { #expect(try p.memoryLines() == reference, "\(p.name) differs") }
        for p in people { for id in changes.deleted { #expect(try p.cli.run(["show", id]).status != 0) } }
        // Every sync wrote its file under a final name only; Syncthing's folder marker is counted, not read.
        let listing = daemons[0].files()
        #expect(!listing.isEmpty && listing.keys.allSatisfy { $0.hasSuffix(".aimem") && !$0.contains(".syncthing.") }, "\(listing)")

        // A conflict Syncthing makes itself: with the folder paused everywhere, bob and
        // carol each plant a different tampered copy of one of alice's files under the
        // same new name; resumed, Syncthing keeps one and renames the other.
        let aliceFile = try #require(listing.keys.filter { $0.hasPrefix(people[0].keyID + "/") }.sorted().last)
        let planted = people[0].keyID + "/9999999999999-0F0F0F0F-0000-0000-0000-000000000000.aimem"
        for d in daemons { try d.pauseFolder(true) }
        for (k, d) in daemons.enumerated().dropFirst() {
            var bytes = try Data(contentsOf: URL(fileURLWithPath: d.folder + "/" + aliceFile))
            bytes[bytes.count - 80 - k] ^= 1
            try bytes.write(to: URL(fileURLWithPath: d.folder + "/" + planted))
        }
        for d in daemons { try d.pauseFolder(false) }
        try SyncthingDaemon.waitUntilAlike(daemons) { files in files[planted] != nil && files.keys.contains { $0.contains(".sync-conflict-") } }
        for (p, daemon) in zip(people, daemons) {
            let before = try p.memoryLines()
            let hostile = try p.cli.run(["sync", daemon.folder, "--json"])
            #expect(hostile.status == 1, "\(p.name): \(hostile.stderr)")
            let report = try jsonObject(hostile.stdout)
            let refused = try #require(report["refused"] as? [[String: Any]])
            #expect(refused.count == 1 && (refused[0]["file"] as? String)?.hasSuffix(planted) == true, "\(p.name): \(report)")
            #expect(report["other_files"] as? Int ?? 0 >= 1, "the conflict copy is counted: \(report)")
            #expect(try p.memoryLines() == before)
        }

        // Someone removes the plant and the conflict copy; syncing goes on as before.
        for name in daemons[1].files().keys where name == planted || name.contains(".sync-conflict-") {
            try FileManager.default.removeItem(atPath: daemons[1].folder + "/" + name)
        }
        try daemons[1].scan()
        try SyncthingDaemon.waitUntilAlike(daemons) { files in files[planted] == nil && !files.keys.contains { $0.contains(".sync-conflict-") } }
        let late = try people[0].cli.ok(["add", "alice after the conflict: the plant is gone"]).out.trimmingCharacters(in: .newlines)
        try turn(people[0], daemons[0])
        try SyncthingDaemon.waitUntilAlike(daemons)
        for (p, daemon) in zip(people, daemons).dropFirst() {
            try turn(p, daemon)
            #expect(try p.cli.run(["show", late]).status == 0, "\(p.name) has alice's late note")
        }
    }
}
