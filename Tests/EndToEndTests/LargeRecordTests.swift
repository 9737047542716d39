import AIMemCore
import Foundation
import MemoryStore
import TestFixtures
import Testing
@testable import Vault

/// Issue 14, item 6: merging very large records without embeddings keeps memory
/// flat in the number of records (the parse worker hands over batches of at most
/// 1 MiB, and the tokenizer reads a long text only as far as it embeds).
@Suite(.serialized)
struct LargeRecordTests {
    /// A snapshot of `count` records of `bytes` bytes of text each, without embeddings, from `signer` to `recipients`.
    static func snapshot(count: Int, bytes: Int, signer: SecretIdentity, name: String, recipients: [PublicIdentity], to path: String) throws {
        let words = ["deploy", "staging", "cluster", "rollback", "canary", "token", "latency", "budget"]
        var text = ""
        text.reserveCapacity(bytes + 16)
        var i = 0
        while text.utf8.count < bytes { text += words[i % words.count] + (i % 13 == 0 ? ". " : " "); i += 1 }
        let now = Date().timeIntervalSince1970
        let metadata = SnapshotMetadata(snapshotID: UUID().uuidString, createdAt: now, exporterKeyID: signer.publicIdentity.keyID,
                                        exporterName: name, exporterPublicKey: signer.publicIdentity.keyLine, sequence: 1,
                                        recipients: recipients.map(\.keyID).sorted(), filter: ObservationFilter(), count: count,
                                        embeddingModel: "lexical-hash-384-v1", embeddingDimension: 384)
        try OutputDestination.file(path).write { sink in
            let encoder = try SnapshotEncoder(recipients: recipients, sink: sink)
            try encoder.add(Array(JSONWriter.string(.object(metadata.json)).utf8) + [0x0A])
            // One record is encoded; the others differ only in their id (same length).
            let o = Observation(id: "large-00-00", project: "/large", content: text, summary: ContentPreparation.summary(of: text),
                                createdAt: now - 100, updatedAt: now - 100, embedding: nil)
            let line = Array(JSONWriter.string(.object(ObservationCodec.encode(o, embedding: .full))).utf8) + [0x0A]
            let idAt = try #require(line.indices.first { line[$0...].starts(with: Array("large-00-00".utf8)) })
            for n in 0..<count {
                var copy = line
                copy.replaceSubrange(idAt..<(idAt + 11), with: Array(String(format: "large-%02d-%02d", count, n).utf8))
                try encoder.add(copy)
            }
            try encoder.finish(signer: signer)
        }
    }

    /// Peak resident memory (KiB) of one `ai-mem` run, measured by a parent that waits for it alone.
    static func peakRSS(_ cli: CLI, _ args: [String]) throws -> (kib: Int, result: String) {
        let script = """
            import resource, subprocess, sys
            r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
            print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            print(r.returncode)
            sys.stderr.write(r.stderr)
            """
        let r = try Subprocess.run("python3", ["-c", script, CLI.executable.path] + args, environment: [
            "AI_MEM_HOME": cli.path("store"),
            "AI_MEM_EMBEDDER": "lexical",  // the model's arithmetic is not what is measured
        ])
        let (stdout, stderr) = (r.stdout, r.stderr)
        let lines = stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[1] == "0", "ai-mem \(args): \(stderr)")
        return (Int(lines.first ?? "") ?? -1, stderr)
    }

    @Test func mergingLargeRecordsWithoutEmbeddingsKeepsMemoryFlat() throws {
        let alice = CLI(), bob = CLI()
        defer { alice.cleanUp(); bob.cleanUp() }
        let a = try jsonObject(alice.ok(["keys", "generate", "--name", "alice", "--no-passphrase", "--json"]).stdout)
        let b = try jsonObject(bob.ok(["keys", "generate", "--name", "bob", "--no-passphrase", "--json"]).stdout)
        try bob.ok(["keys", "trust", a["public_key"] as! String, "--name", "alice"])
        let signer = try KeyStore(home: Home(explicit: alice.path("store"))).unlock(PassphraseSources(file: nil, environment: [:], prompt: nil))
        let recipients = [signer.publicIdentity, try PublicIdentity(keyLine: b["public_key"] as! String)]
        var peaks: [Int: Int] = [:]
        for count in [6, 18] {
            let file = alice.path("large-\(count).aimem")
            try Self.snapshot(count: count, bytes: 2 << 20, signer: signer, name: "alice", recipients: recipients, to: file)
            peaks[count] = try Self.peakRSS(bob, ["snapshot", "merge", file]).kib
            if let keep = ProcessInfo.processInfo.environment["AI_MEM_KEEP_LARGE"] {
                try? FileManager.default.copyItem(atPath: file, toPath: keep + "/large-\(count).aimem")
            }
            try FileManager.default.removeItem(atPath: file)
        }
        if let keep = ProcessInfo.processInfo.environment["AI_MEM_KEEP_LARGE"] {
            try? FileManager.default.copyItem(atPath: bob.home.path, toPath: keep + "/bob")
        }
        let stats = try jsonObject(bob.ok(["stats", "--json"]).stdout)
        #expect(stats["observations"] as? Int == 24)
        // Three times the records: the peak grows by less than what the extra records weigh (24 MiB): at most what fills SQLite's 16 MiB page cache.
        let small = try #require(peaks[6]), large = try #require(peaks[18])
        #expect(large < small + 12 * 1024, "peak RSS \(small) KiB for 6 records, \(large) KiB for 18")
        let keyword = try bob.ok(["search", "rollback canary", "--mode", "keyword", "--limit", "30", "--json"]).stdout
        #expect((try JSONSerialization.jsonObject(with: keyword) as? [Any])?.count == 24)
    }
}
