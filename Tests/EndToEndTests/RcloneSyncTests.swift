import Foundation
import TestFixtures
import Testing

/// Issue 15 with rclone, the README's bucket walkthrough run as written: each turn
/// pulls the bucket into a local folder (`rclone copy`), syncs, and pushes only the
/// person's own key folder back (`rclone sync`, so compaction's removals reach the
/// bucket and nobody else's files are touched). The bucket is a local directory
/// (rclone's local backend) standing in for S3.
@Suite(.serialized)
struct RcloneSyncTests {

    func rclone(_ args: [String], _ p: Person) throws {
        let r = try Subprocess.run("rclone", args, environment: ["RCLONE_CONFIG": p.cli.home.appendingPathComponent("rclone.conf").path])
        #expect(r.status == 0, "rclone \(args.joined(separator: " ")): \(r.stderr)")
    }

    /// Pull, sync (with `extra` options), push own folder; the sync's report.
    @discardableResult
    func turn(_ p: Person, bucket: String, _ extra: [String] = []) throws -> [String: Any] {
        let local = p.cli.home.appendingPathComponent("team-memory").path
        try rclone(["copy", bucket, local], p)
        let report = try jsonObject(p.cli.ok(["sync", local, "--json"] + extra).stdout)
        #expect((report["refused"] as? [Any])?.isEmpty == true, "\(p.name): \(report)")
        try rclone(["sync", local + "/" + p.keyID, bucket + "/" + p.keyID], p)
        return report
    }

    func ids(_ p: Person) throws -> Set<String> {
        Set(try jsonArray(p.cli.ok(["list", "--limit", "0", "--json"]).stdout).map { $0["id"] as! String })
    }

    @Test func twoHomesShareThroughABucketAndCompactionReachesIt() throws {
        let alice = try Person.make("alice"), bob = try Person.make("bob")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp() }
        try alice.cli.ok(["keys", "trust", bob.line, "--name", "bob"])
        try bob.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        let bucket = alice.cli.home.appendingPathComponent("bucket/team-memory").path
        try FileManager.default.createDirectory(atPath: bucket, withIntermediateDirectories: true)
        for p in [alice, bob] {  // once, as the README says: mkdir -p ~/team-memory
            try FileManager.default.createDirectory(atPath: p.cli.home.appendingPathComponent("team-memory").path, withIntermediateDirectories: true)
        }

        var expected: Set<String> = []
        for round in 0..<3 {
            for p in [alice, bob] {
                expected.insert(try p.cli.ok(["add", "\(p.name) in round \(round): backups run at \(round + 1)am"]).out.trimmingCharacters(in: .newlines))
                try turn(p, bucket: bucket)
            }
        }
        try turn(alice, bucket: bucket)
        #expect(try ids(alice) == expected && ids(bob) == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: bucket + "/" + alice.keyID).count >= 3)

        // Alice compacts: her removals reach the bucket through her own folder only.
        let compacted = try turn(alice, bucket: bucket, ["--compact"])
        #expect((compacted["removed"] as? [Any])?.isEmpty == false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: bucket + "/" + alice.keyID).count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: bucket + "/" + bob.keyID).count >= 3)
        try turn(bob, bucket: bucket)
        #expect(try ids(bob) == expected)
    }
}
