import AIMemCore
import Foundation
import MemoryStore
import SentenceEmbedding

/// The benchmark run: generate, import, export, merge, re-merge, search, and the
/// peer pipeline on the same data; a table, then one machine-readable line.
struct Bench {
    /// The seed of the search queries (the same in every run, and in `ai-mem-bench queries`).
    static let querySeed: UInt64 = 0x5EA2C4
    let options: Options
    let work: String
    let aiMem: String
    let ownsWork: Bool

    init(_ options: Options) throws {
        self.options = options
        let fm = FileManager.default
        aiMem = URL(fileURLWithPath: options.aiMem).standardizedFileURL.path
        guard fm.isExecutableFile(atPath: aiMem) else { throw BenchError("\(aiMem) is not an executable (build with swift build -c release)") }
        if let dir = options.work {
            work = URL(fileURLWithPath: dir).standardizedFileURL.path
            ownsWork = false
        } else {
            work = NSTemporaryDirectory() + "ai-mem-bench-\(getpid())"
            ownsWork = true
        }
        try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    func log(_ text: String) {
        FileHandle.standardError.write(Data("bench: \(text)\n".utf8))
    }

    func home(_ name: String) -> String { work + "/" + name }

    /// Runs ai-mem; the lexical embedder unless `embedder` says otherwise (the generated vectors are lexical).
    @discardableResult
    func aiMem(_ arguments: String..., home: String, stdout: String = "/dev/null", embedder: String = "lexical") throws -> ChildResult {
        try ChildProcess.check([aiMem] + arguments + ["--home", home], environment: ["AI_MEM_EMBEDDER": embedder], stdout: stdout, scratch: work)
    }

    var benchExecutable: String {
        CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0] : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
    }

    func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    func run() throws {
        defer { if ownsWork && !options.keep { remove(work) } }
        let n = options.count
        let fm = FileManager.default

        // 1. Data.
        let dataPath = work + "/generated.ndjson"
        log("generating \(n) observations in \(work)")
        var clock = Date()
        try ChildProcess.check([benchExecutable, "generate", String(n), dataPath], scratch: work)
        log(String(format: "generated %.1f MB in %.1f s", Double(fileSize(dataPath)) / 1e6, Date().timeIntervalSince(clock)))

        // 2. Identities: alice exports to bob; unprotected keys, so that the figures
        //    are the work of the command and not the Argon2id unlock.
        //    Carol receives Alice's rows relayed by Bob (each row's author signature checked).
        for name in ["alice", "bob-template", "carol-template"] {
            try aiMem("keys", "generate", "--name", String(name.prefix { $0 != "-" }), "--no-passphrase", home: home(name))
            try aiMem("keys", "show", home: home(name), stdout: work + "/\(name).pub")
        }
        try aiMem("keys", "trust", work + "/bob-template.pub", "--name", "bob", home: home("alice"))
        try aiMem("keys", "trust", work + "/alice.pub", "--name", "alice", home: home("bob-template"))
        try aiMem("keys", "trust", work + "/carol-template.pub", "--name", "carol", home: home("bob-template"))
        try aiMem("keys", "trust", work + "/alice.pub", "--name", "alice", home: home("carol-template"))
        try aiMem("keys", "trust", work + "/bob-template.pub", "--name", "bob", home: home("carol-template"))

        clock = Date()
        log("seeding alice's store")
        try aiMem("import", dataPath, home: home("alice"))
        log(String(format: "seeded in %.1f s", Date().timeIntervalSince(clock)))
        remove(dataPath)

        // 3. Plain export, then import of it into fresh stores.
        let plainPath = work + "/plain.ndjson"
        var plainExport = Measurement(name: "export (plain NDJSON)", seconds: [], peakRSSBytes: [], records: n, bytes: 0)
        for i in 0..<options.runs {
            log("plain export, run \(i + 1)/\(options.runs)")
            let r = try aiMem("export", plainPath, home: home("alice"))
            plainExport.seconds.append(r.seconds)
            plainExport.peakRSSBytes.append(r.peakRSSBytes)
        }
        plainExport.bytes = fileSize(plainPath)
        var importing = Measurement(name: "import (plain NDJSON)", seconds: [], peakRSSBytes: [], records: n, bytes: plainExport.bytes)
        for i in 0..<options.runs {
            log("import into an empty store, run \(i + 1)/\(options.runs)")
            let target = home("import-\(i)")
            let r = try aiMem("import", plainPath, home: target)
            importing.seconds.append(r.seconds)
            importing.peakRSSBytes.append(r.peakRSSBytes)
            remove(target)
        }
        remove(plainPath)

        // 4. Snapshot export: the first one signs every row (once: the signatures are
        //    kept), the next ones are what every later export costs.
        let snapshot = work + "/snapshot.aimem"
        log("first snapshot export (signs every row)")
        // --allow-secrets: the export without its secret gate (measured on its own below).
        let first = try aiMem("snapshot", "export", snapshot, "--to", "bob", "--allow-secrets", home: home("alice"))
        let firstExport = Measurement(name: "snapshot export, first (signs)", seconds: [first.seconds], peakRSSBytes: [first.peakRSSBytes],
                                      records: n, bytes: fileSize(snapshot))
        var export = Measurement(name: "snapshot export", seconds: [], peakRSSBytes: [], records: n, bytes: 0)
        for i in 0..<options.runs {
            log("snapshot export, run \(i + 1)/\(options.runs)")
            let r = try aiMem("snapshot", "export", snapshot, "--to", "bob", "--allow-secrets", home: home("alice"))
            export.seconds.append(r.seconds)
            export.peakRSSBytes.append(r.peakRSSBytes)
        }
        export.bytes = fileSize(snapshot)

        // 4b. The secret gate: the same export as users run it (every memory scanned
        //     before a byte is written), and `ai-mem scan` of the whole store. With
        //     `--redact`: a million generated notes hold a few phrases the generic
        //     rule takes for assignments ("secretVolume is …"), which would stop a
        //     plain export; redacting them costs nothing measurable.
        var gated = Measurement(name: "snapshot export, secret gate", seconds: [], peakRSSBytes: [], records: n, bytes: export.bytes)
        var scan = Measurement(name: "scan (secrets)", seconds: [], peakRSSBytes: [], records: n, bytes: 0)
        for i in 0..<options.runs {
            log("snapshot export with the secret gate, run \(i + 1)/\(options.runs)")
            let r = try aiMem("snapshot", "export", snapshot, "--to", "bob", "--redact", home: home("alice"))
            gated.seconds.append(r.seconds)
            gated.peakRSSBytes.append(r.peakRSSBytes)
        }
        for i in 0..<options.runs {
            log("ai-mem scan, run \(i + 1)/\(options.runs)")
            // Exit status 1 means it found something (a few generated phrases at 1M): still a complete scan.
            let r = try ChildProcess.run([aiMem, "scan", "--home", home("alice")], environment: ["AI_MEM_EMBEDDER": "lexical"], scratch: work)
            guard r.status == 0 || r.status == 1 else { throw BenchError("ai-mem scan failed with status \(r.status):\n\(r.stderr)") }
            scan.seconds.append(r.seconds)
            scan.peakRSSBytes.append(r.peakRSSBytes)
        }

        // 5. Merge into an empty store, then the idempotent re-merge.
        var merge = Measurement(name: "snapshot merge (empty store)", seconds: [], peakRSSBytes: [], records: n, bytes: export.bytes)
        var remerge = Measurement(name: "snapshot re-merge (no-op)", seconds: [], peakRSSBytes: [], records: n, bytes: export.bytes)
        let bob = home("bob")
        // The floor (issue 18): the sqlite3 shell copying the same rows into the same
        // schema (an empty store ai-mem made) with INSERT … SELECT, their FTS entries
        // too, in one transaction and with the checkpoint at close, as a merge pays.
        // Each run right after a merge, so that both meet the same machine.
        var mergeFloor = Measurement(name: "floor: sqlite3 INSERT…SELECT", seconds: [], peakRSSBytes: [], records: n, bytes: export.bytes)
        let floorStore = home("floor")
        let haveSQLite = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/sqlite3")
        }
        for i in 0..<options.runs {
            log("snapshot merge into an empty store, run \(i + 1)/\(options.runs)")
            remove(bob)
            try fm.copyItem(atPath: home("bob-template"), toPath: bob)
            let r = try aiMem("snapshot", "merge", snapshot, home: bob)
            merge.seconds.append(r.seconds)
            merge.peakRSSBytes.append(r.peakRSSBytes)
            if haveSQLite {
                log("floor: sqlite3 INSERT … SELECT of the merged rows into an empty store, run \(i + 1)/\(options.runs)")
                remove(floorStore)
                try aiMem("stats", home: floorStore)  // creates the store: the same schema, page size and FTS settings
                let script = """
                    ATTACH 'file:\(bob)/memory.sqlite?mode=ro' AS source;
                    BEGIN;
                    INSERT INTO observations SELECT * FROM source.observations;
                    INSERT INTO observations_fts (rowid, title, summary, content, tags) SELECT seq, title, summary, content, tags FROM source.observations;
                    COMMIT;
                    """
                let f = try ChildProcess.check(["sqlite3", floorStore + "/memory.sqlite", script], scratch: work)
                mergeFloor.seconds.append(f.seconds)
                mergeFloor.peakRSSBytes.append(f.peakRSSBytes)
            }
        }
        if !options.keep { remove(floorStore) }
        for i in 0..<options.runs {
            log("snapshot re-merge, run \(i + 1)/\(options.runs)")
            let r = try aiMem("snapshot", "merge", snapshot, home: bob)
            remerge.seconds.append(r.seconds)
            remerge.peakRSSBytes.append(r.peakRSSBytes)
        }
        var verify = Measurement(name: "snapshot verify", seconds: [], peakRSSBytes: [], records: n, bytes: export.bytes)
        for i in 0..<options.runs {
            log("snapshot verify, run \(i + 1)/\(options.runs)")
            let r = try aiMem("snapshot", "verify", snapshot, home: bob)
            verify.seconds.append(r.seconds)
            verify.peakRSSBytes.append(r.peakRSSBytes)
        }
        // 5b. Relayed: Bob's store (Alice's rows) exported to Carol and merged into her
        //     empty store, each row's author signature verified with Carol's copy of Alice's key.
        let relayed = work + "/relayed.aimem"
        try aiMem("snapshot", "export", relayed, "--to", "carol", "--allow-secrets", home: bob)
        var relayedMerge = Measurement(name: "snapshot merge (relayed)", seconds: [], peakRSSBytes: [], records: n, bytes: fileSize(relayed))
        let carol = home("carol")
        for i in 0..<options.runs {
            log("relayed snapshot merge into an empty store, run \(i + 1)/\(options.runs)")
            remove(carol)
            try fm.copyItem(atPath: home("carol-template"), toPath: carol)
            let r = try aiMem("snapshot", "merge", relayed, home: carol)
            relayedMerge.seconds.append(r.seconds)
            relayedMerge.peakRSSBytes.append(r.peakRSSBytes)
        }
        if !options.keep { remove(bob); remove(carol); remove(relayed) }

        // 6. Search latency, one process per query as a user runs it.
        var generator = DataGenerator(seed: Self.querySeed)
        let queries = generator.queries(options.queries)
        var search: [String: [Double]] = [:]
        var searchRSS = 0
        var firstSemantic = 0.0
        for (index, mode) in ["keyword", "semantic", "hybrid"].enumerated() {
            log("\(options.queries) \(mode) searches")
            // The first search of a mode is not counted (it warms the page cache and,
            // for semantic search, may build the vector index).
            let warm = try aiMem("search", "warm up " + queries[0], "--mode", mode, "--limit", "10", home: home("alice"))
            if index == 1 { firstSemantic = warm.seconds }
            for q in queries {
                let r = try aiMem("search", q, "--mode", mode, "--limit", "10", home: home("alice"))
                search[mode, default: []].append(r.seconds * 1000)
                searchRSS = max(searchRSS, r.peakRSSBytes)
            }
        }

        // 6b. Search with the local MiniLM model: the query is embedded by the model in
        //     each command. The store's vectors are the generator's, labelled as MiniLM's
        //     (embedding 100k notes with the model would take over an hour): the scan and
        //     re-rank cost the same for any 384-d vectors, the ranking itself means nothing.
        var miniLMSearch: [String: [Double]] = [:]
        var embedding: EmbedBench.Figures? = nil
        var mcp = MCPFigures()
        if options.miniLM && ModelFiles.located().isPresent {
            let labelled = work + "/generated-minilm.ndjson"
            log("generating \(n) observations with vectors labelled all-MiniLM-L6-v2")
            try ChildProcess.check([benchExecutable, "generate", String(n), labelled, "--label-model", MiniLMEmbedder.defaultModelID], scratch: work)
            try aiMem("import", labelled, home: home("minilm"))
            remove(labelled)
            for mode in ["semantic", "hybrid"] {
                log("\(options.queries) \(mode) searches with MiniLM")
                _ = try aiMem("search", "warm up " + queries[0], "--mode", mode, "--limit", "10", home: home("minilm"), embedder: "minilm")
                for q in queries {
                    let r = try aiMem("search", q, "--mode", mode, "--limit", "10", home: home("minilm"), embedder: "minilm")
                    miniLMSearch[mode, default: []].append(r.seconds * 1000)
                }
            }
            log("MiniLM: notes and short queries, one per call")
            // In a child process: the model stays out of the driver (children's peak RSS starts from it).
            let figuresPath = work + "/embed-figures.txt"
            try ChildProcess.check([benchExecutable, "embed-figures", String(min(64, max(8, n / 100)))], stdout: figuresPath, scratch: work)
            embedding = EmbedBench.Figures(line: try String(contentsOfFile: figuresPath, encoding: .utf8))
            remove(figuresPath)
            log("\(options.queries) hybrid searches and adds through ai-mem mcp with MiniLM")
            mcp = try measureMCP(home: home("minilm"), embedder: "minilm", queries: queries)
            if !options.keep { remove(home("minilm")) }
        }

        // 7. The peer pipeline on the same rows: sqlite3 JSON dump | age | minisign.
        var peer: Measurement? = nil
        if options.peer {
            peer = try measurePeer(database: home("alice") + "/memory.sqlite", count: n)
        }
        if !options.keep { remove(snapshot) }

        // 8. Incremental export (after the peer, which reads alice's database as it was):
        //    100 memories added after a snapshot; each run follows that snapshot
        //    (--since-snapshot), so every run carries the same 100 rows. Beside it, the
        //    floor of any command: the process start (`ai-mem --version`).
        log("incremental export of 100 changes")
        let base = work + "/base.aimem", baseReport = work + "/base.json"
        try aiMem("snapshot", "export", base, "--to", "bob", "--json", "--allow-secrets", home: home("alice"), stdout: baseReport)
        let baseObject = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: baseReport))) as? [String: Any]
        guard let baseID = baseObject?["snapshot_id"] as? String else { throw BenchError("snapshot export --json printed no snapshot_id") }
        for i in 0..<100 {
            try aiMem("add", "Incremental change \(i): the deploy checklist gained step \(i)", "--project", "/bench", home: home("alice"))
        }
        let increment = work + "/increment.aimem"
        var incremental = Measurement(name: "snapshot export, 100 changed", seconds: [], peakRSSBytes: [], records: 100, bytes: 0)
        var floor: [Double] = []
        for _ in 0..<max(3, options.runs) {
            let r = try aiMem("snapshot", "export", increment, "--to", "bob", "--since-snapshot", baseID, "--allow-secrets", home: home("alice"))
            incremental.seconds.append(r.seconds)
            incremental.peakRSSBytes.append(r.peakRSSBytes)
            floor.append(try ChildProcess.check([aiMem, "--version"], scratch: work).seconds)
        }
        incremental.bytes = fileSize(increment)
        if !options.keep { remove(base); remove(increment); remove(baseReport) }
        let startMS = Statistics.percentile(floor.map { $0 * 1000 }, 50)

        // 9. A team folder (TeamFolderBench.swift): a newcomer's first sync, a sync with
        //    nothing new, and one with 20 new files.
        let files = options.syncFiles ?? min(2000, max(1, n / 50))
        let team = files > 0 ? try measureTeamFolder(files: files) : TeamFolderFigures()

        // Report.
        let rows = [firstExport, export, gated, scan, incremental, merge] + (mergeFloor.seconds.isEmpty ? [] : [mergeFloor])
            + [relayedMerge, remerge, verify, plainExport, importing] + (peer.map { [$0] } ?? [])
        print("")
        print("ai-mem benchmark: \(n) observations, \(options.runs) run(s) each (median), release build")
        print("operation".padded(to: 30) + "    time     records/s      MB/s   peak RSS")
        for row in rows { print(row.row()) }
        var searchP50 = 0.0
        for mode in ["keyword", "semantic", "hybrid"] {
            let samples = search[mode] ?? [0]
            let p50 = Statistics.percentile(samples, 50), p95 = Statistics.percentile(samples, 95)
            if mode == "hybrid" { searchP50 = p50 }
            print("search \(mode)".padded(to: 30) + String(format: "p50 %6.1f ms   p95 %6.1f ms", p50, p95))
        }
        for mode in ["semantic", "hybrid"] where miniLMSearch[mode] != nil {
            let samples = miniLMSearch[mode]!
            print("search \(mode), MiniLM".padded(to: 30) + String(format: "p50 %6.1f ms   p95 %6.1f ms", Statistics.percentile(samples, 50), Statistics.percentile(samples, 95)))
        }
        print(String(format: "first semantic search (builds the vector index when stale): %.1f ms", firstSemantic * 1000))
        print(String(format: "search peak RSS %.1f MB; snapshot %.1f MB (%.0f bytes/record)", Double(searchRSS) / 1_048_576,
                     Double(export.bytes) / 1e6, Double(export.bytes) / Double(n)))
        let peakRSS = [firstExport, export, gated, scan, merge, relayedMerge, remerge, verify, plainExport, importing].map(\.peakRSSMB).max() ?? 0
        let peerText = peer.map { String(format: "%.3f", $0.median) } ?? "NA"
        let ratio = peer.map { String(format: "%.2f", $0.median / export.median) } ?? "NA"
        print(String(format: "relayed merge / merge: %.2f (each relayed row's author signature verified)", relayedMerge.median / merge.median))
        print(String(format: "incremental export of 100 changes: %.1f ms, %.1f ms beyond process start (%.1f ms, `ai-mem --version`)",
                     incremental.median * 1000, incremental.median * 1000 - startMS, startMS))
        print(String(format: "team folder: %d signers x %d increments = %d files, %.1f MB", team.signers, team.signers > 0 ? team.files / team.signers : 0,
                     team.files, Double(team.folderBytes) / 1e6))
        print(String(format: "  a newcomer's first sync (every file, into an empty store): %.2f s (%.0f files/s), %.1f MB RSS", team.firstSyncSeconds,
                     team.firstSyncSeconds > 0 ? Double(team.files) / team.firstSyncSeconds : 0, Double(team.firstSyncRSSBytes) / 1_048_576))
        print(String(format: "  sync with nothing new, %d files already merged: %.1f ms, %.1f ms beyond process start", team.files, team.noopMS, team.noopMS - startMS))
        print(String(format: "  sync with %d new files from %d teammates (%.0f KB): %.1f ms", team.newFiles, team.newFiles, Double(team.twentyNewBytes) / 1000, team.twentyNewMS))
        let mcpSearch = mcp.searchMS.isEmpty ? 0 : Statistics.percentile(mcp.searchMS, 50), mcpAdd = mcp.addMS.isEmpty ? 0 : Statistics.percentile(mcp.addMS, 50)
        if !mcp.searchMS.isEmpty {
            print(String(format: "ai-mem mcp, MiniLM: hybrid search p50 %.1f ms p95 %.1f ms; memory_add p50 %.1f ms p95 %.1f ms; idle CPU %.0f ms in 2 s",
                         mcpSearch, Statistics.percentile(mcp.searchMS, 95), mcpAdd, Statistics.percentile(mcp.addMS, 95), mcp.idleCPUMS))
        }
        print(String(format: "secret gate: export %.3f s with it, %.3f s without (+%.0f%%); ai-mem scan of every memory %.3f s",
                     gated.median, export.median, 100 * (gated.median / max(export.median, 1e-9) - 1), scan.median))
        let floorText = mergeFloor.seconds.isEmpty ? "NA" : String(format: "%.3f", mergeFloor.median)
        if !mergeFloor.seconds.isEmpty {
            print(String(format: "merge / floor (sqlite3 INSERT … SELECT of the same rows): %.2f; import / merge: %.2f", merge.median / mergeFloor.median, importing.median / merge.median))
        }
        let miniLMHybrid = miniLMSearch["hybrid"].map { String(format: "%.1f", Statistics.percentile($0, 50)) } ?? "NA"
        if let embedding {
            print(String(format: "MiniLM: %.1f notes/s one per call (%.0f tokens on average), a short query in %.2f ms; model load %.1f ms",
                         embedding.notesPerSecond, embedding.tokensPerNote, embedding.queryMS, embedding.loadMS))
        }
        let notesText = embedding.map { String(format: "%.1f", $0.notesPerSecond) } ?? "NA"
        let queryText = embedding.map { String(format: "%.2f", $0.queryMS) } ?? "NA"
        print(String(format: "export_s=%.3f merge_s=%.3f remerge_s=%.3f import_s=%.3f search_p50_ms=%.1f peer_s=%@ export_vs_peer=%@ peak_rss_mb=%.1f first_export_s=%.3f relayed_merge_s=%.3f incremental_export_ms=%.1f process_start_ms=%.1f sync_noop_ms=%.1f sync_first_s=%.3f sync_new20_ms=%.1f mcp_search_p50_ms=%.1f mcp_add_p50_ms=%.1f scan_s=%.3f export_gated_s=%.3f merge_floor_s=%@ search_minilm_p50_ms=%@ embed_notes_per_s=%@ query_embed_ms=%@",
                     export.median, merge.median, remerge.median, importing.median, searchP50, peerText as NSString, ratio as NSString, peakRSS,
                     firstExport.median, relayedMerge.median, incremental.median * 1000, startMS, team.noopMS, team.firstSyncSeconds, team.twentyNewMS, mcpSearch, mcpAdd, scan.median, gated.median,
                     floorText as NSString, miniLMHybrid as NSString, notesText as NSString, queryText as NSString))
    }

    func measurePeer(database: String, count: Int) throws -> Measurement? {
        let tools = ["sqlite3", "age", "age-keygen", "minisign"]
        let missing = tools.filter { tool in
            !(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
        guard missing.isEmpty else {
            log("peer pipeline skipped: \(missing.joined(separator: ", ")) not installed (apt-get install -y sqlite3 age minisign)")
            return nil
        }
        let peerDir = work + "/peer"
        try FileManager.default.createDirectory(atPath: peerDir, withIntermediateDirectories: true)
        try ChildProcess.check(["age-keygen", "-o", peerDir + "/age.key"], scratch: work)
        try ChildProcess.check(["age-keygen", "-y", peerDir + "/age.key"], stdout: peerDir + "/age.pub", scratch: work)
        let recipient = try String(contentsOfFile: peerDir + "/age.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try ChildProcess.check(["minisign", "-G", "-W", "-p", peerDir + "/minisign.pub", "-s", peerDir + "/minisign.key"], scratch: work)
        // The same fields as a snapshot, the embedding as hex (sqlite3 has no base64).
        let select = """
            SELECT id, session_id, project, type, concept, title, content, summary, content_hash, created_at, updated_at, \
            importance_score, tags, metadata, diff, assets, embedding_model, embedding_dim, hex(embedding) AS embedding \
            FROM observations ORDER BY created_at, seq
            """
        let script = """
            set -euo pipefail
            sqlite3 -readonly "$1" '.mode json' "$2" | age -r "$3" > "$4/dump.json.age"
            minisign -S -s "$4/minisign.key" -m "$4/dump.json.age" -x "$4/dump.json.age.minisig" > /dev/null
            """
        var m = Measurement(name: "peer: sqlite3|age|minisign", seconds: [], peakRSSBytes: [], records: count, bytes: 0)
        for i in 0..<options.runs {
            log("peer pipeline, run \(i + 1)/\(options.runs)")
            let r = try ChildProcess.check(["bash", "-c", script, "peer", database, select, recipient, peerDir], scratch: work)
            m.seconds.append(r.seconds)
            m.peakRSSBytes.append(r.peakRSSBytes)
        }
        m.bytes = fileSize(peerDir + "/dump.json.age")
        remove(peerDir)
        return m
    }
}

/// A buffered file writer for the generated data.
final class FileSink {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw BenchError("cannot create \(path)") }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.close()
    }
}
