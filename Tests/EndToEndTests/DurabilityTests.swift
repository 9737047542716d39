import Foundation
import Testing

/// Crash safety and concurrency, with real processes: SIGKILL at random moments,
/// and several ai-mem processes on one store.
@Suite(.serialized)
struct DurabilityTests {
    /// Alice with `count` memories, Bob trusting her, and a snapshot from alice to bob.
    func setUp(count: Int) throws -> (alice: CLI, bob: CLI, snapshot: String) {
        let alice = CLI(), bob = CLI()
        let a = try jsonObject(alice.run(["keys", "generate", "--name", "alice", "--no-passphrase", "--json"]).stdout)
        let b = try jsonObject(bob.run(["keys", "generate", "--name", "bob", "--no-passphrase", "--json"]).stdout)
        try bob.ok(["keys", "trust", a["public_key"] as! String, "--name", "alice"])
        try alice.ok(["keys", "trust", b["public_key"] as! String, "--name", "bob"])
        var text = ""
        for i in 0..<count {
            text += #"{"id": "bulk-\#(i)", "content": "memory \#(i) about topic \#(i % 97): \#(String(repeating: "detail ", count: 40))", "project": "/bulk", "created_at": \#(1000 + i)}"# + "\n"
        }
        try alice.ok(["import", "-"], input: Data(text.utf8))
        let snapshot = alice.path("big.aimem")
        try alice.ok(["snapshot", "export", snapshot, "--to", "bob"])
        try bob.ok(["add", "bob's memory before any merge"])
        return (alice, bob, snapshot)
    }

    @Test func killedMergesLeaveTheOldRowsAndAHealthyStore() throws {
        let (alice, bob, snapshot) = try setUp(count: 8000)
        defer { alice.cleanUp(); bob.cleanUp() }
        let before = try bob.ok(["list", "--json", "--limit", "0"]).stdout
        var interrupted = 0
        for round in 0..<8 {
            let merge = try bob.start(["snapshot", "merge", snapshot])
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...Double(1 + round % 3)))
            merge.kill()
            let result = merge.wait()
            let check = try bob.run(["check", "--json"])
            #expect(check.status == 0, "integrity after kill \(round): \(check.out) \(check.stderr)")
            let now = try bob.ok(["list", "--json", "--limit", "0"]).stdout
            if result.status == 0 {
                break  // it finished before the kill: nothing more to interrupt
            }
            #expect(now == before, "round \(round): rows changed by a killed merge")
            interrupted += 1
        }
        #expect(interrupted >= 1)
        // The next merge succeeds and brings everything.
        let merged = try jsonObject(bob.ok(["snapshot", "merge", snapshot, "--json"]).stdout)
        #expect((merged["added"] as? Int ?? 0) + (merged["already_merged"] as? Bool == true ? 8000 : 0) == 8000)
        #expect(try jsonObject(bob.ok(["stats", "--json"]).stdout)["observations"] as? Int == 8001)
        #expect(try bob.run(["check"]).status == 0)
    }

    @Test func killedExportsNeverLeaveAPartialFile() throws {
        let (alice, bob, _) = try setUp(count: 8000)
        defer { alice.cleanUp(); bob.cleanUp() }
        for round in 0..<6 {
            let target = alice.path("killed-\(round).aimem")
            let export = try alice.start(["snapshot", "export", target, "--to", "bob"])
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...1.5))
            export.kill()
            let result = export.wait()
            if result.status == 0 {
                // Finished first: then it is complete and verifies.
                #expect(try bob.run(["snapshot", "verify", target]).status == 0)
            } else {
                #expect(!FileManager.default.fileExists(atPath: target), "round \(round): a partial file at the target path")
            }
            let plain = alice.path("killed-\(round).ndjson")
            let plainExport = try alice.start(["export", plain])
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...1.0))
            plainExport.kill()
            if plainExport.wait().status != 0 { #expect(!FileManager.default.fileExists(atPath: plain)) }
        }
    }

    @Test func addsDuringAnExportDoNotBreakItsPointInTimeView() throws {
        let (alice, bob, _) = try setUp(count: 6000)
        defer { alice.cleanUp(); bob.cleanUp() }
        let target = alice.path("during.aimem")
        let export = try alice.start(["snapshot", "export", target, "--to", "bob", "--json"])
        var added = 0
        while export.process.isRunning && added < 20 {
            if try alice.run(["add", "added during the export \(added)"]).status == 0 { added += 1 }
        }
        let result = export.wait()
        #expect(result.status == 0, "\(result.stderr)")
        let report = try jsonObject(result.stdout)
        let count = report["count"] as! Int
        #expect(count >= 6000 && count <= 6000 + added)
        // verify checks the declared count against the records actually present.
        let verified = try jsonObject(bob.ok(["snapshot", "verify", target, "--json"]).stdout)
        #expect(verified["records"] as? Int == count)
        #expect(try jsonObject(alice.ok(["stats", "--json"]).stdout)["observations"] as? Int == 6000 + added)
    }

    @Test func twoMergesAtOnceNeitherLoseNorDoubleRows() throws {
        let (alice, bob, snapshot) = try setUp(count: 4000)
        defer { alice.cleanUp(); bob.cleanUp() }
        // A second, different snapshot from alice with new rows and some of the same ones.
        try alice.ok(["import", "-"], input: Data((0..<500).map { #"{"id": "extra-\#($0)", "content": "extra \#($0)"}"# }.joined(separator: "\n").utf8))
        let second = alice.path("second.aimem")
        try alice.ok(["snapshot", "export", second, "--to", "bob"])
        let one = try bob.start(["snapshot", "merge", snapshot, "--json"])
        let two = try bob.start(["snapshot", "merge", second, "--json"])
        let three = try bob.start(["snapshot", "merge", snapshot, "--json"])
        let results = [one.wait(), two.wait(), three.wait()]
        for r in results { #expect(r.status == 0, "\(r.stderr)") }
        let reports = try results.map { try jsonObject($0.stdout) }
        // The same snapshot twice at once: exactly one of the two merges applies it.
        #expect([reports[0], reports[2]].filter { $0["already_merged"] as? Bool == true }.count == 1)
        #expect(try jsonObject(bob.ok(["stats", "--json"]).stdout)["observations"] as? Int == 1 + 4000 + 500)
        let ids = try jsonArray(bob.ok(["list", "--json", "--limit", "0"]).stdout).compactMap { $0["id"] as? String }
        #expect(ids.count == Set(ids).count)
        #expect(try bob.run(["check"]).status == 0)
    }
}
