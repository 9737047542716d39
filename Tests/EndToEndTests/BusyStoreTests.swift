import Foundation
import Testing

/// Issue 14, item 6: a writer that meets another process's write transaction (a
/// long merge) says so and waits for it instead of losing the memory, and fails
/// with "store busy" only after `AI_MEM_BUSY_TIMEOUT` seconds.
@Suite(.serialized)
struct BusyStoreTests {
    /// Holds SQLite's write lock on the store for `seconds`, from another process (as a merge does).
    func holdWriteLock(_ cli: CLI, seconds: Double) throws -> (Process, Pipe) {
        let script = """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
            c.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            time.sleep(float(sys.argv[2]))
            c.execute("ROLLBACK")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, cli.path("store/memory.sqlite"), String(seconds)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("locked") {
            let more = out.fileHandleForReading.availableData
            if more.isEmpty { break }
            seen += more
        }
        #expect(String(decoding: seen, as: UTF8.self).contains("locked"))
        return (process, out)
    }

    func count(_ cli: CLI) throws -> Int { try jsonObject(cli.ok(["stats", "--json"]).stdout)["observations"] as! Int }

    @Test func anAddDuringAMergeWaitsAndKeepsTheMemory() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["add", "The first memory"])
        let (holder, _) = try holdWriteLock(cli, seconds: 2.5)
        let started = Date()
        let added = try cli.run(["add", "Written while another ai-mem merges"])
        holder.waitUntilExit()
        #expect(added.status == 0, "\(added.stderr)")
        #expect(Date().timeIntervalSince(started) >= 1.5)
        #expect(added.stderr.contains("notice: another ai-mem is writing to the store (a merge or an import); waiting for it to finish"), "\(added.stderr)")
        #expect(try count(cli) == 2)
    }

    @Test func aWriterGivesUpWithStoreBusyAfterItsTimeout() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["add", "The first memory"])
        let (holder, _) = try holdWriteLock(cli, seconds: 4)
        let refused = try cli.run(["add", "Not stored"], environment: ["AI_MEM_BUSY_TIMEOUT": "1"])
        holder.waitUntilExit()
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("ai-mem: error: store busy: another ai-mem is writing to the memory store"), "\(refused.stderr)")
        #expect(refused.stderr.contains("AI_MEM_BUSY_TIMEOUT"))
        #expect(try count(cli) == 1)
    }
}
