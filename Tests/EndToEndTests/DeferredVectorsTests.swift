import Foundation
import TestFixtures
import Testing

/// Imports and merges with a slow embedder (here the HTTP one, against a local
/// server) commit every record at once, keyword-searchable, and leave the vectors
/// of those that came without one to a reindex: in the background (the default),
/// now, or later (issue 18, item 3).
struct DeferredVectorsTests {
    static let pythonExport = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/python-ai-mem/export.json").path

    static func httpEnvironment(_ server: LocalEmbeddingServer) -> [String: String] {
        ["AI_MEM_EMBEDDER": "http", "AI_MEM_EMBED_URL": server.url, "AI_MEM_EMBED_MODEL": "test-model"]
    }

    /// Polls `reindex --status --json` until the background job is no longer running.
    static func waitForBackground(_ cli: CLI, environment: [String: String], seconds: Double = 60) throws -> [String: Any] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while true {
            let status = try jsonObject(cli.ok(["reindex", "--status", "--json"], environment: environment).stdout)
            if status["running"] as? Bool == false, status["last"] is [String: Any] { return status }
            guard Date() < deadline else {
                Issue.record("the background reindex did not finish in \(seconds) s: \(status)")
                return status
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    @Test func anImportCommitsAtOnceAndTheBackgroundReindexEmbedsTheRest() throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        let cli = CLI()
        defer { cli.cleanUp() }
        let env = Self.httpEnvironment(server)
        let imported = try cli.ok(["import", Self.pythonExport, "--json"], environment: env)
        let report = try jsonObject(imported.stdout)
        #expect(report["imported"] as? Int == 30 && report["without_vectors"] as? Int == 30)
        let vectors = try #require(report["vectors"] as? [String: Any])
        #expect(vectors["embedding"] as? String == "background" && vectors["waiting"] as? Int == 30 && vectors["pid"] is Int)
        #expect(imported.stderr.contains("ai-mem: notice: 30 memories are stored and keyword-searchable; their vectors are being computed in the background"))
        // Keyword search finds them at once.
        #expect(try !jsonArray(cli.ok(["search", "PostgreSQL", "--mode", "keyword", "--json"], environment: env).stdout).isEmpty)

        let status = try Self.waitForBackground(cli, environment: env)
        #expect(status["waiting"] as? Int == 0)
        let last = try #require(status["last"] as? [String: Any])
        #expect(last["state"] as? String == "finished" && last["done"] as? Int == 30 && last["scope"] as? String == "missing")
        #expect(last["model"] as? String == "test-model")
        let stats = try jsonObject(cli.ok(["stats", "--json"], environment: env).stdout)
        #expect((stats["embeddings"] as? [String: Int]) == ["test-model (16-d)": 30])
        let search = try cli.ok(["search", "PostgreSQL orders", "--mode", "semantic", "--json"], environment: env)
        #expect(try !jsonArray(search.stdout).isEmpty)
        #expect(!search.stderr.contains("no vector yet"))
        // The status file is the user's alone, like the rest of the home.
        let attributes = try FileManager.default.attributesOfItem(atPath: cli.path("store/reindex-status.json"))
        #expect(attributes[.posixPermissions] as? Int == 0o600)
    }

    @Test func laterLeavesThemWaitingAndSearchSaysSo() throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        let cli = CLI()
        defer { cli.cleanUp() }
        let env = Self.httpEnvironment(server)
        let imported = try cli.ok(["import", Self.pythonExport, "--embed", "later"], environment: env)
        #expect(imported.stderr.contains("ai-mem: notice: 30 memories are stored and keyword-searchable; they have no vector yet"))
        #expect(imported.stderr.contains("ai-mem: hint: run `ai-mem reindex --missing`"))
        #expect(server.requests.isEmpty)  // nothing was embedded, nothing was started
        #expect(!FileManager.default.fileExists(atPath: cli.path("store/reindex-status.json")))

        let semantic = try cli.ok(["search", "orders database", "--mode", "semantic", "--json"], environment: env)
        #expect(try jsonArray(semantic.stdout).isEmpty)
        #expect(semantic.stderr.contains("ai-mem: notice: 30 memories have no vector yet and are not among the semantic results"))
        #expect(semantic.stderr.contains("ai-mem: hint: run `ai-mem reindex --missing`"))
        // Hybrid search still answers by keyword.
        #expect(try !jsonArray(cli.ok(["search", "PostgreSQL", "--json"], environment: env).stdout).isEmpty)
        let status = try jsonObject(cli.ok(["reindex", "--status", "--json"], environment: env).stdout)
        #expect(status["waiting"] as? Int == 30 && status["running"] as? Bool == false && status["last"] is NSNull)

        let reindexed = try jsonObject(cli.ok(["reindex", "--missing", "--json"], environment: env).stdout)
        #expect(reindexed["reembedded"] as? Int == 30 && (reindexed["previous_models"] as? [String: Int]) == ["none": 30])
        #expect(!(try cli.ok(["search", "orders database", "--mode", "semantic"], environment: env)).stderr.contains("no vector yet"))
    }

    @Test func nowEmbedsBeforeTheCommandReturns() throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        let cli = CLI()
        defer { cli.cleanUp() }
        let env = Self.httpEnvironment(server)
        let report = try jsonObject(cli.ok(["import", Self.pythonExport, "--embed", "now", "--json"], environment: env).stdout)
        let vectors = try #require(report["vectors"] as? [String: Any])
        #expect(vectors["embedding"] as? String == "now" && vectors["embedded"] as? Int == 30)
        let stats = try jsonObject(cli.ok(["stats", "--json"], environment: env).stdout)
        #expect((stats["embeddings"] as? [String: Int]) == ["test-model (16-d)": 30])
        // A fast embedder (lexical) embeds during the import, as before: nothing waits.
        let fast = CLI()
        defer { fast.cleanUp() }
        let lexical = try jsonObject(fast.ok(["import", Self.pythonExport, "--json"]).stdout)
        #expect(lexical["without_vectors"] as? Int == 0 && lexical["vectors"] is NSNull)
    }

    @Test func aMergeOfRecordsWithoutVectorsLeavesThemToTheReindex() throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        let alice = CLI(), bob = CLI()
        defer { alice.cleanUp(); bob.cleanUp() }
        let env = Self.httpEnvironment(server)
        let a = try jsonObject(alice.ok(["keys", "generate", "--name", "alice", "--no-passphrase", "--json"]).stdout)
        let b = try jsonObject(bob.ok(["keys", "generate", "--name", "bob", "--no-passphrase", "--json"]).stdout)
        try alice.ok(["keys", "trust", b["public_key"] as! String, "--name", "bob"])
        try bob.ok(["keys", "trust", a["public_key"] as! String, "--name", "alice"])
        // Alice's rows have no vectors yet (she left them for later): her snapshot carries none.
        try alice.ok(["import", Self.pythonExport, "--embed", "later"], environment: env)
        let file = alice.path("to-bob.aimem")
        try alice.ok(["snapshot", "export", file, "--to", "bob", "--allow-secrets"], environment: env)

        let merged = try bob.ok(["snapshot", "merge", file, "--json", "--embed", "later"], environment: env)
        let report = try jsonObject(merged.stdout)
        #expect(report["added"] as? Int == 30 && report["without_vectors"] as? Int == 30)
        #expect((report["vectors"] as? [String: Any])?["embedding"] as? String == "later")
        #expect(try jsonObject(bob.ok(["reindex", "--status", "--json"], environment: env).stdout)["waiting"] as? Int == 30)
        // In the background, after the fact.
        let started = try jsonObject(bob.ok(["reindex", "--background", "--missing", "--json"], environment: env).stdout)
        #expect(started["started"] as? Bool == true)
        let status = try Self.waitForBackground(bob, environment: env)
        #expect(status["waiting"] as? Int == 0 && (status["last"] as? [String: Any])?["state"] as? String == "finished")
        // Merging again changes nothing: the vectors Bob computed are his, not a conflict.
        #expect(try bob.ok(["snapshot", "merge", file], environment: env).out.hasPrefix("already merged"))
    }

    @Test func oneReindexAtATimeAndAFailureIsReported() throws {
        let server = try LocalEmbeddingServer()
        let cli = CLI()
        defer { cli.cleanUp() }
        var env = Self.httpEnvironment(server)
        try cli.ok(["import", Self.pythonExport, "--embed", "later"], environment: env)
        // Another process holds the lock: a foreground reindex is refused with a hint, and starts nothing.
        let lockPath = cli.path("store/.reindex.lock")
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o600)
        try #require(fd >= 0 && flock(fd, LOCK_EX) == 0)
        let refused = try cli.run(["reindex", "--missing"], environment: env)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("ai-mem: error: a background reindex is running"))
        #expect(refused.stderr.contains("ai-mem: hint: wait for it"))
        let again = try jsonObject(cli.ok(["reindex", "--background", "--json"], environment: env).stdout)
        #expect(again["started"] as? Bool == false)
        close(fd)

        // The server goes away: the background job stops and says why; nothing is lost.
        server.stop()
        env["AI_MEM_EMBED_URL"] = server.url
        try cli.ok(["reindex", "--background", "--missing"], environment: env)
        let status = try Self.waitForBackground(cli, environment: env)
        let last = try #require(status["last"] as? [String: Any])
        #expect(last["state"] as? String == "failed")
        #expect((last["error"] as? String)?.contains("the embedding server at") == true)
        #expect(status["waiting"] as? Int == 30)
        let text = try cli.ok(["reindex", "--status"], environment: env).out
        #expect(text.hasPrefix("background reindex stopped at ") && text.contains("30 observations without a vector of test-model"))
        #expect(try jsonArray(cli.ok(["list", "--json"]).stdout).count == 30)
    }
}
