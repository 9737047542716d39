import AIMemCore
import TestFixtures
import Foundation
import SentenceEmbedding
import Testing

/// Choosing the embedder (`ai-mem config`, environment), the local model as the
/// default, the HTTP embedder, and `ai-mem reindex`, through the real binary.
struct EmbedderCommandsTests {
    /// The default choice (no AI_MEM_EMBEDDER), with the model where the tests find it.
    static let defaultChoice = ["AI_MEM_EMBEDDER": ""]
    static let modelPresent = ProcessInfo.processInfo.environment["AI_MEM_SKIP_MODEL_TESTS"] != "1"

    static let notes = [
        "Use PostgreSQL 16 for the orders service; SQLite stays for local development only.",
        "The login test was flaky; it now waits for the session cookie before asserting.",
        "Release builds are signed with the team's Ed25519 key in CI.",
    ]

    @Test(.enabled(if: modelPresent, "AI_MEM_SKIP_MODEL_TESTS=1"))
    func theLocalModelIsTheDefaultWhenItsFilesArePresent() throws {
        let files = ModelFiles.located()
        try #require(files.isPresent, "the model is not in \(files.path): run scripts/fetch-model.sh")
        let cli = CLI()
        defer { cli.cleanUp() }
        for note in Self.notes {
            let added = try cli.ok(["add", note], environment: Self.defaultChoice)
            #expect(added.stderr.isEmpty)
        }
        let stats = try jsonObject(cli.ok(["stats", "--json"], environment: Self.defaultChoice).stdout)
        #expect(stats["embedding_model"] as? String == "all-MiniLM-L6-v2")
        #expect((stats["embeddings"] as? [String: Int]) == ["all-MiniLM-L6-v2 (384-d)": 3])
        // Phrased with none of the note's words but "service".
        let hits = try jsonArray(cli.ok(["search", "which relational database backs order processing", "--mode", "semantic", "--json"],
                                        environment: Self.defaultChoice).stdout)
        #expect((hits.first?["observation"] as? [String: Any])?["content"] as? String == Self.notes[0])
    }

    @Test func withoutTheModelTheLexicalEmbedderStandsInWithOneNotice() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let environment = ["AI_MEM_EMBEDDER": "", "AI_MEM_MODEL_DIR": cli.path("no-model-here")]
        let added = try cli.ok(["add", Self.notes[0]], environment: environment)
        let lines = added.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("ai-mem: notice: ") == true)
        #expect(added.stderr.contains("scripts/fetch-model.sh"))
        // Commands that do not embed say nothing.
        #expect(try cli.ok(["list"], environment: environment).stderr.isEmpty)
        #expect(try cli.ok(["search", "orders", "--mode", "keyword"], environment: environment).stderr.isEmpty)
        let stats = try jsonObject(cli.ok(["stats", "--json"], environment: environment).stdout)
        #expect(stats["embedding_model"] as? String == "lexical-hash-384-v1")
        // Asking for the model explicitly when it is missing is an error with a hint.
        let explicit = try cli.run(["add", "x"], environment: environment.merging(["AI_MEM_EMBEDDER": "minilm"]) { $1 })
        #expect(explicit.status == 1)
        #expect(explicit.stderr.contains("ai-mem: error: the sentence-embedding model is not in"))
        #expect(explicit.stderr.contains("ai-mem: hint: run scripts/fetch-model.sh"))
    }

    @Test func theConfigFileChoosesTheEnvironmentOverridesAndBadValuesNameTheSetting() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["config", "set", "embedder", "http"])
        try cli.ok(["config", "set", "embedder.url", "http://127.0.0.1:9/v1"])
        try cli.ok(["config", "set", "embedder.model", "nomic-embed-text"])
        try cli.ok(["config", "set", "embedder.dimension", "768"])
        // stats does not embed: the configured model and dimension are reported without a server.
        let fromConfig = try jsonObject(cli.ok(["stats", "--json"], environment: Self.defaultChoice).stdout)
        #expect(fromConfig["embedding_model"] as? String == "nomic-embed-text")
        #expect(fromConfig["embedding_dim"] as? Int == 768)
        let overridden = try jsonObject(cli.ok(["stats", "--json"], environment: ["AI_MEM_EMBEDDER": "lexical"]).stdout)
        #expect(overridden["embedding_model"] as? String == "lexical-hash-384-v1")
        let bad = try cli.run(["stats"], environment: ["AI_MEM_EMBEDDER": "neural"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("ai-mem: error: embedder (from environment (AI_MEM_EMBEDDER)) must be auto, minilm, lexical or http"), "\(bad.stderr)")
        #expect(bad.stderr.contains("ai-mem: hint: fix it with `ai-mem config set embedder VALUE` or in AI_MEM_EMBEDDER"))
    }

    @Test func theHTTPEmbedderIsChosenByConfigAndUsedForAddSearchAndReindex() throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["add", Self.notes[1]])  // lexical, before the change
        try cli.ok(["config", "set", "embedder", "http"])
        let unset = try cli.run(["add", "x"], environment: ["AI_MEM_EMBEDDER": ""])
        #expect(unset.status == 1 && unset.stderr.contains("needs a server URL") && unset.stderr.contains("ai-mem: hint: ai-mem config set embedder.url"))
        try cli.ok(["config", "set", "embedder.url", server.url + "/v1"])
        try cli.ok(["config", "set", "embedder.model", "test-model"])
        let bad = try cli.run(["config", "set", "embedder.url", "ftp://api.example.com/v1"])
        #expect(bad.status == 1 && bad.stderr.contains("it is not an http:// or https:// URL"))
        let list = try jsonObject(cli.ok(["config", "list", "--json"], environment: Self.defaultChoice).stdout)
        #expect((list["embedder"] as? [String: Any])?["value"] as? String == "http")
        #expect((list["embedder"] as? [String: Any])?["source"] as? String == "config")
        #expect(try cli.ok(["config", "get", "embedder.model"]).out == "test-model\n")

        let env = Self.defaultChoice.merging(["AI_MEM_EMBED_API_KEY": "sk-local"]) { $1 }
        try cli.ok(["add", Self.notes[0]], environment: env)
        try cli.ok(["add", Self.notes[2]], environment: env)
        #expect(server.requests.contains { $0.inputs.contains { $0.contains("PostgreSQL") } })
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer sk-local" && $0.model == "test-model" })
        let stats = try jsonObject(cli.ok(["stats", "--json"], environment: env).stdout)
        #expect(stats["embedding_model"] as? String == "test-model" && stats["embedding_dim"] as? Int == 16)
        #expect((stats["embeddings"] as? [String: Int]) == ["test-model (16-d)": 2, "lexical-hash-384-v1 (384-d)": 1])

        // Semantic search sees only this model's vectors until reindex.
        let before = try jsonArray(cli.ok(["search", "session cookie flaky login", "--mode", "semantic", "--json"], environment: env).stdout)
        #expect(!before.contains { ($0["observation"] as? [String: Any])?["content"] as? String == Self.notes[1] })
        let report = try jsonObject(cli.ok(["reindex", "--json"], environment: env).stdout)
        #expect(report["reembedded"] as? Int == 1 && report["already_current"] as? Int == 2)
        #expect((report["previous_models"] as? [String: Int]) == ["lexical-hash-384-v1": 1])
        let after = try jsonArray(cli.ok(["search", "session cookie flaky login", "--mode", "semantic", "--json"], environment: env).stdout)
        #expect((after.first?["observation"] as? [String: Any])?["content"] as? String == Self.notes[1])
        #expect(try jsonObject(cli.ok(["reindex", "--json"], environment: env).stdout)["reembedded"] as? Int == 0)

        // A server that is gone: a clear error, and nothing is added.
        server.stop()
        let down = try cli.run(["add", "lost?"], environment: env)
        #expect(down.status == 1)
        #expect(down.stderr.contains("ai-mem: error: the embedding server at http://127.0.0.1:"))
        #expect(down.stderr.contains("ai-mem: hint:"))
        #expect(try jsonArray(cli.ok(["list", "--json"]).stdout).count == 3)
        // Hybrid search (the default) answers by keyword, with a warning; semantic search fails.
        let hybrid = try cli.run(["search", "PostgreSQL", "--json"], environment: env)
        #expect(hybrid.status == 0 && hybrid.stderr.contains("ai-mem: warning: the embedding server at") && hybrid.stderr.contains("showing keyword results only"))
        #expect((try jsonArray(hybrid.stdout).first?["observation"] as? [String: Any])?["content"] as? String == Self.notes[0])
        #expect(try cli.run(["search", "PostgreSQL", "--mode", "semantic"], environment: env).status == 1)
    }

    @Test func vectorsOfAnotherModelAreKeptApartUntilReindex() throws {
        // Records exported by a store on the lexical embedder, imported into one on the HTTP embedder.
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        let a = CLI(), b = CLI()
        defer { a.cleanUp(); b.cleanUp() }
        for note in Self.notes { try a.ok(["add", note]) }
        let file = a.path("export.ndjson")
        try a.ok(["export", file])
        let env = ["AI_MEM_EMBEDDER": "http", "AI_MEM_EMBED_URL": server.url, "AI_MEM_EMBED_MODEL": "test-model"]
        let imported = try jsonObject(b.ok(["import", file, "--json"], environment: env).stdout)
        #expect(imported["foreign_embeddings"] as? Int == 3)
        let stats = try jsonObject(b.ok(["stats", "--json"], environment: env).stdout)
        #expect((stats["embeddings"] as? [String: Int]) == ["lexical-hash-384-v1 (384-d)": 3])
        #expect(try jsonArray(b.ok(["search", "PostgreSQL orders", "--mode", "semantic", "--json"], environment: env).stdout).isEmpty)
        #expect(try jsonObject(b.ok(["reindex", "--json"], environment: env).stdout)["reembedded"] as? Int == 3)
        let hits = try jsonArray(b.ok(["search", "PostgreSQL orders", "--mode", "semantic", "--json"], environment: env).stdout)
        #expect((hits.first?["observation"] as? [String: Any])?["content"] as? String == Self.notes[0])
    }

    @Test func aSnapshotOfAnotherModelsVectorsIsMergedWithoutMixingThem() throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        let alice = CLI(), bob = CLI()
        defer { alice.cleanUp(); bob.cleanUp() }
        let bobEnv = ["AI_MEM_EMBEDDER": "http", "AI_MEM_EMBED_URL": server.url, "AI_MEM_EMBED_MODEL": "test-model"]
        let a = try jsonObject(alice.ok(["keys", "generate", "--name", "alice", "--no-passphrase", "--json"]).stdout)
        let b = try jsonObject(bob.ok(["keys", "generate", "--name", "bob", "--no-passphrase", "--json"]).stdout)
        try alice.ok(["keys", "trust", b["public_key"] as! String, "--name", "bob"])
        try bob.ok(["keys", "trust", a["public_key"] as! String, "--name", "alice"])
        for note in Self.notes { try alice.ok(["add", note]) }  // lexical vectors
        try bob.ok(["add", "Bob's own note on query planning and indexes"], environment: bobEnv)
        let file = alice.path("lexical.aimem")
        try alice.ok(["snapshot", "export", file, "--to", "bob"])

        let merged = try bob.run(["snapshot", "merge", file, "--json"], environment: bobEnv)
        #expect(merged.status == 0, "\(merged.stderr)")
        let report = try jsonObject(merged.stdout)
        #expect(report["added"] as? Int == 3 && report["foreign_embeddings"] as? Int == 3)
        #expect(merged.stderr.contains("carry embeddings of another model"))
        let stats = try jsonObject(bob.ok(["stats", "--json"], environment: bobEnv).stdout)
        #expect((stats["embeddings"] as? [String: Int]) == ["lexical-hash-384-v1 (384-d)": 3, "test-model (16-d)": 1])
        // Semantic search ranks only test-model vectors: Bob's note alone.
        let before = try jsonArray(bob.ok(["search", "PostgreSQL orders service", "--mode", "semantic", "--json"], environment: bobEnv).stdout)
        #expect(before.compactMap { ($0["observation"] as? [String: Any])?["content"] as? String }.allSatisfy { $0.hasPrefix("Bob's") })
        #expect(try jsonObject(bob.ok(["reindex", "--json"], environment: bobEnv).stdout)["reembedded"] as? Int == 3)
        let after = try jsonArray(bob.ok(["search", "PostgreSQL orders service", "--mode", "semantic", "--json"], environment: bobEnv).stdout)
        #expect((after.first?["observation"] as? [String: Any])?["content"] as? String == Self.notes[0])
        // The merged rows are unchanged but for their vectors: merging again changes nothing.
        #expect(try bob.ok(["snapshot", "merge", file], environment: bobEnv).out.hasPrefix("already merged"))
    }
}
