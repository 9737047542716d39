import Foundation
import TestFixtures
import Testing

/// The benchmark driver on a tiny store: it runs every step end to end and prints
/// its machine-readable last line. Timings are printed, never asserted.
struct BenchSmokeTests {
    @Test func benchmarkRunsEndToEndOnATinyStore() throws {
        let bench = CLI.executable.deletingLastPathComponent().appendingPathComponent("ai-mem-bench")
        try #require(FileManager.default.isExecutableFile(atPath: bench.path), "build ai-mem-bench first")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-bench-smoke-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let r = try Subprocess.run(bench.path, ["--count", "300", "--runs", "1", "--queries", "3", "--no-peer",
                                                "--ai-mem", CLI.executable.path, "--work", work.path])
        let stdout = r.stdout
        #expect(r.status == 0, "ai-mem-bench failed: \(r.stderr)")
        for operation in ["snapshot export", "snapshot merge (empty store)", "snapshot merge (relayed)", "snapshot export, first (signs)", "snapshot re-merge (no-op)", "snapshot verify", "import (plain NDJSON)",
                          "search keyword", "search semantic", "search hybrid", "snapshot export, 100 changed"] {
            #expect(stdout.contains(operation), "missing \(operation)")
        }
        let last = try #require(stdout.split(separator: "\n").last.map(String.init))
        var fields: [String: String] = [:]
        for pair in last.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        #expect(fields.keys.sorted() == ["export_s", "export_vs_peer", "first_export_s", "import_s", "incremental_export_ms", "mcp_add_p50_ms", "mcp_search_p50_ms", "merge_s", "peak_rss_mb",
                                         "peer_s", "process_start_ms", "relayed_merge_s", "remerge_s", "scan_s", "export_gated_s", "search_p50_ms", "sync_first_s", "sync_new20_ms", "sync_noop_ms",
                                         "merge_floor_s", "search_minilm_p50_ms", "embed_notes_per_s", "query_embed_ms"].sorted())
        for key in ["export_s", "merge_s", "remerge_s", "import_s", "search_p50_ms", "peak_rss_mb", "first_export_s", "relayed_merge_s",
                    "incremental_export_ms", "process_start_ms", "sync_noop_ms", "sync_first_s", "sync_new20_ms", "scan_s", "export_gated_s"] {
            #expect(Double(fields[key] ?? "") ?? 0 > 0, "\(key) = \(fields[key] ?? "nil")")
        }
        #expect(fields["peer_s"] == "NA" && fields["export_vs_peer"] == "NA")
        // Measured with the local model (0 where it is missing).
        #expect(Double(fields["mcp_search_p50_ms"] ?? "") != nil && Double(fields["mcp_add_p50_ms"] ?? "") != nil)
        // A number, or NA where sqlite3 or the model is missing.
        for key in ["merge_floor_s", "search_minilm_p50_ms", "embed_notes_per_s", "query_embed_ms"] {
            #expect(fields[key] == "NA" || Double(fields[key] ?? "") ?? 0 > 0, "\(key) = \(fields[key] ?? "nil")")
        }
        #expect(stdout.contains("floor: sqlite3 INSERT") == (fields["merge_floor_s"] != "NA"))
    }
}
