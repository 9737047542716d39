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
            text += #"{"id": "bulk-\#(i)", "content": "memory \#(i) about topic \#(i % 97): \#(String(repeating: "detail ", count: 40))", "project": "/bulk", "created_at": \#(1_700_000_000 + i)}"# + "\n"
        }
        try alice.ok(["import", "-"], input: Data(text.utf8))
        let snapshot = alice.path("big.aimem")
        try alice.ok(["snapshot", "export", snapshot, "--to", "bob"])
        try bob.ok(["add", "bob's memory before any merge"])
        return (alice, bob, snapshot)
    }

    /// Where a kill landed: mid-way through the command's work, or too late (it had
    /// finished) or too early (it had not begun).
    enum Landing { case midWay, late, early }

    /// SIGKILLs the command `start` runs at a random moment within `duration` (how long
    /// it takes uncut), and again, up to `attempts` times, until `landed` judges a kill
    /// mid-way: after a late kill the next comes sooner, after an early one later.
    /// A round in which no kill landed mid-way fails.
    func killMidWay(_ round: String, duration: Double, attempts: Int = 8, sourceLocation: SourceLocation = #_sourceLocation,
                    start: (_ attempt: Int) throws -> CLI.Running,
                    landed: (_ attempt: Int, _ result: CLI.Result) throws -> Landing) throws {
        var earliest = 0.05, latest = 0.95  // fractions of `duration`
        for attempt in 0..<attempts {
            let fraction = Double.random(in: earliest...latest)
            let running = try start(attempt)
            Thread.sleep(forTimeInterval: fraction * duration)
            running.kill()
            switch try landed(attempt, running.wait()) {
            case .midWay: return
            case .late: latest = fraction
            case .early: earliest = fraction
            }
        }
        Issue.record("\(round): no kill in \(attempts) attempts landed while the command was at work", sourceLocation: sourceLocation)
    }

    /// Seconds `body` takes.
    func timed(_ body: () throws -> Void) rethrows -> Double {
        let start = Date()
        try body()
        return Date().timeIntervalSince(start)
    }

    /// `cp -a`, which keeps modes (the secret key file's 0600).
    func copyTree(_ from: URL, to: URL) throws {
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = ["-a", from.path, to.path]
        try cp.run()
        cp.waitUntilExit()
        try #require(cp.terminationStatus == 0, "cp -a \(from.path) \(to.path)")
    }

    /// An export whose target path has no file after its kill: the kill landed mid-way if
    /// the export was writing then (it had its anonymous `O_TMPFILE` open in the target's
    /// directory), too early if not. Either way nothing may be left beside the target:
    /// no temporary file survives a kill.
    func landingWithoutTarget(_ result: CLI.Result, target: String, round: Int) throws -> Landing {
        #expect(result.killed, "round \(round): ended by itself, not by the kill, without a file at \(target): \(result.status) \(result.stderr)")
        let directory = URL(fileURLWithPath: target).deletingLastPathComponent(), name = URL(fileURLWithPath: target).lastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != name && $0.contains(name) }
        #expect(leftovers.isEmpty, "round \(round): a killed export left \(leftovers)")
        for file in leftovers { try FileManager.default.removeItem(at: directory.appendingPathComponent(file)) }
        // (A process that is not dumpable hides its descriptors from other users: then count the kill as mid-way.)
        guard !result.openAtKill.isEmpty else { return .midWay }
        let writing = result.openAtKill.contains { $0.hasPrefix(directory.path + "/") && ($0.hasSuffix(" (deleted)") || $0.contains(".tmp-")) }
        return writing ? .midWay : .early
    }

    @Test func killedMergesLeaveTheOldRowsAndAHealthyStore() throws {
        let (alice, bob, snapshot) = try setUp(count: 8000)
        defer { alice.cleanUp(); bob.cleanUp() }
        // Large enough, into a store this small, to be written through the rollback
        // journal (MemoryStore's BulkJournal: 16 MiB or more, at least the store's size):
        // each kill leaves a hot journal, which the next command rolls back.
        let size = try FileManager.default.attributesOfItem(atPath: snapshot)[.size] as? Int ?? 0
        #expect(size >= 16 << 20, "the snapshot is \(size) bytes")
        let before = try bob.ok(["list", "--json", "--limit", "0"]).stdout
        // One merge run uncut and timed, then undone from a copy of the store: the kills aim inside its duration.
        let store = bob.home.appendingPathComponent("store"), saved = bob.home.appendingPathComponent("store-saved")
        try copyTree(store, to: saved)
        func restore() throws {
            try FileManager.default.removeItem(at: store)
            try copyTree(saved, to: store)
        }
        let duration = try timed { _ = try bob.ok(["snapshot", "merge", snapshot]) }
        try restore()
        #expect(try bob.ok(["list", "--json", "--limit", "0"]).stdout == before)
        var interrupted = 0
        for round in 0..<8 {
            try killMidWay("merge round \(round)", duration: duration) { _ in
                try bob.start(["snapshot", "merge", snapshot])
            } landed: { _, result in
                let check = try bob.run(["check", "--json"])
                #expect(check.status == 0, "integrity after kill \(round): \(check.out) \(check.stderr)")
                let now = try bob.ok(["list", "--json", "--limit", "0"]).stdout
                if result.killed && now == before {
                    interrupted += 1
                    return .midWay
                }
                // Otherwise the merge must have finished first (exited 0, or was killed on its way
                // out after committing): every row is there. Then undo it and kill sooner.
                #expect(result.status == 0 || result.killed, "round \(round): \(result.stderr)")
                #expect(try jsonArray(now).count == 8001, "round \(round): rows changed by a killed merge")
                try restore()
                return .late
            }
        }
        #expect(interrupted == 8)
        // The next merge succeeds and brings everything.
        let merged = try jsonObject(bob.ok(["snapshot", "merge", snapshot, "--json"]).stdout)
        #expect((merged["added"] as? Int ?? 0) + (merged["already_merged"] as? Bool == true ? 8000 : 0) == 8000)
        #expect(try jsonObject(bob.ok(["stats", "--json"]).stdout)["observations"] as? Int == 8001)
        #expect(try bob.run(["check"]).status == 0)
    }

    @Test func killedExportsNeverLeaveAPartialFile() throws {
        let (alice, bob, _) = try setUp(count: 8000)
        defer { alice.cleanUp(); bob.cleanUp() }
        // Each export run uncut and timed first: the kills aim inside these durations.
        let snapshotDuration = try timed { _ = try alice.ok(["snapshot", "export", alice.path("uncut.aimem"), "--to", "bob"]) }
        let plainDuration = try timed { _ = try alice.ok(["export", alice.path("uncut.ndjson")]) }
        for round in 0..<6 {
            try killMidWay("snapshot export round \(round)", duration: snapshotDuration) { attempt in
                try alice.start(["snapshot", "export", alice.path("killed-\(round)-\(attempt).aimem"), "--to", "bob"])
            } landed: { attempt, result in
                // A snapshot export unlocks the secret key: no core dump could hold it.
                if let core = result.limitsAtKill.split(separator: "\n").first(where: { $0.hasPrefix("Max core file size") }) {
                    #expect(core.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).prefix(2) == ["0", "0"], "\(core)")
                }
                let target = alice.path("killed-\(round)-\(attempt).aimem")
                guard FileManager.default.fileExists(atPath: target) else { return try landingWithoutTarget(result, target: target, round: round) }
                // Finished first (exited 0, or was killed on its way out): then it is complete and verifies.
                #expect(result.status == 0 || result.killed, "round \(round): \(result.stderr)")
                #expect(try bob.run(["snapshot", "verify", target]).status == 0, "round \(round): a partial file at the target path")
                return .late
            }
            try killMidWay("plain export round \(round)", duration: plainDuration) { attempt in
                try alice.start(["export", alice.path("killed-\(round)-\(attempt).ndjson")])
            } landed: { attempt, result in
                let plain = alice.path("killed-\(round)-\(attempt).ndjson")
                guard FileManager.default.fileExists(atPath: plain) else { return try landingWithoutTarget(result, target: plain, round: round) }
                // Finished first: then it holds the header and every record.
                #expect(result.status == 0 || result.killed, "round \(round): \(result.stderr)")
                let lines = try String(contentsOfFile: plain, encoding: .utf8).split(separator: "\n")
                #expect(lines.count == 1 + 8000, "round \(round): a partial file at the target path")
                return .late
            }
        }
        // Interrupted from the terminal or by a service manager: nothing named is left either.
        for (index, signal) in [SIGINT, SIGTERM, SIGHUP].enumerated() {
            let target = alice.path("interrupted-\(index).ndjson")
            let running = try alice.start(["export", target])
            Thread.sleep(forTimeInterval: plainDuration / 2)
            Glibc.kill(running.process.processIdentifier, signal)
            _ = running.wait()
            let directory = alice.home.path
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains("interrupted-\(index)") }
            #expect(leftovers.isEmpty || leftovers == ["interrupted-\(index).ndjson"], "signal \(signal) left \(leftovers)")
            if leftovers == ["interrupted-\(index).ndjson"] {
                // Finished before the signal: then it is whole.
                #expect(try String(contentsOfFile: target, encoding: .utf8).split(separator: "\n").count == 1 + 8000)
            }
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
