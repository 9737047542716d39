import AIMemCore
import Foundation
import MemoryStore
import TestFixtures
import Testing
@testable import Vault

/// The spec, not today's bytes, is what these tests pin: Tests/Reference/snapshot
/// is a reader and writer written from docs/FORMAT.md and docs/KEYS.md alone (Python,
/// PyNaCl). It must agree with every vector of Tests/Vectors, and ai-mem must merge
/// what it writes — field by field — and refuse its one-defect rejects by class.
@Suite(.enabled(if: !ReferencePython.skip, "AI_MEM_SKIP_REFERENCE_TESTS=1"))
struct ReferenceImplementationTests {
    static let script = "Tests/Reference/snapshot/aimem_snapshot.py"
    static let vectors = Fixtures.testsDirectory.appendingPathComponent("Reference/snapshot/vectors")

    /// One JSON object per line of the reference's `check-vectors` output.
    static func checkVectors(_ manifest: String) throws -> (lines: [[String: Any]], status: Int32, stderr: String) {
        let output = try ReferencePython.run([script, "check-vectors", manifest])
        let lines = output.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        return (lines, output.status, output.stderr)
    }

    @Test func theReferenceReaderAgreesWithEveryProjectVector() throws {
        let (lines, status, stderr) = try Self.checkVectors("Tests/Vectors/manifest.json")
        let manifest = try VectorSuiteTests.manifest()
        let results = lines.filter { $0["file"] != nil }
        #expect(status == 0, "the reference disagrees: \(stderr)")
        #expect(results.count == manifest.count, "the reference ran \(results.count) of \(manifest.count) vectors")
        for result in results where result["agree"] as? Bool != true || result["class_agree"] as? Bool != true {
            Issue.record("\(result["file"] ?? "?"): expected \(result["expected"] ?? "?") \(result["expected_error"] ?? ""), the reference got \(result["got"] ?? "?") \(result["got_error"] ?? "")")
        }
        // Its further checks: the test keys against their public lines and bob's keyring, key-file modes.
        for extra in lines where extra["extra"] != nil {
            #expect(extra["ok"] as? Bool == true, "\(extra)")
        }
        let summary = try #require(lines.last { $0["summary"] != nil }, "no summary line")
        #expect(summary["agree"] as? Int == manifest.count, "\(summary)")
        #expect(summary["disagree"] as? Int == 0 && summary["excluded"] as? Int == 0 && summary["class_mismatch"] as? Int == 0, "\(summary)")
    }

    struct Vector {
        var file: String, expect: String, error: String, expected: String?, before: [String]
        var counts: [String: Int] = [:]
        var keyring: String? = nil
    }

    static func manifest(_ name: String) throws -> [Vector] {
        let array = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: vectors.appendingPathComponent(name))) as? [[String: Any]])
        return array.map {
            Vector(file: $0["file"] as? String ?? "", expect: $0["expect"] as? String ?? "", error: $0["error"] as? String ?? "",
                   expected: $0["expected"] as? String, before: $0["before"] as? [String] ?? [],
                   counts: $0["counts"] as? [String: Int] ?? [:], keyring: $0["reader_keyring"] as? String)
        }
    }

    /// A record as a Foundation dictionary, for comparing values rather than bytes.
    static func dictionary(_ value: JSONValue) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(JSONWriter.string(value).utf8)) as? NSDictionary)
    }

    /// The members of a stored row against a record the reference sent (parsed by
    /// ai-mem's own JSON reader: free-form numbers such as `1e999` keep their text).
    static func differences(_ row: Observation, _ sent: JSONObject, reader: MemoryStore) -> [String] {
        var problems: [String] = []
        let stored = ObservationCodec.encode(row, embedding: .full)
        for member in sent.members {
            switch member.key {
            case "author":
                if case .object(let a) = member.value, a["key_id"] != .string(row.author ?? "") { problems.append("author \(row.author ?? "none")") }
            case "embedding" where member.value.isNull:
                // FORMAT.md §6: a record without an embedding gets one from the reader's embedder.
                if row.embedding?.model != reader.embedder.modelID { problems.append("embedding not computed locally") }
            case "created_at", "updated_at", "importance_score":
                if member.value.doubleValue != stored[member.key]?.doubleValue { problems.append(member.key) }
            default:
                if stored[member.key] != member.value { problems.append("\(member.key): stored \(stored[member.key].map { JSONWriter.string($0) } ?? "nothing")") }
            }
        }
        return problems
    }

    @Test func aiMemMergesWhatTheReferenceWritesFieldByField() throws {
        let entries = try Self.manifest("manifest.json")
        #expect(entries.count >= 5)
        for entry in entries {
            #expect(entry.expect == "accept", "\(entry.file)")
            let (home, vault, store) = try VectorSuiteTests().readerHome()
            defer { _ = home }
            if let keyring = entry.keyring {
                try Data(contentsOf: Self.vectors.appendingPathComponent(keyring)).write(to: URL(fileURLWithPath: home.keys.keyringPath))
            }
            for earlier in entry.before {
                _ = try vault.read(.file(Self.vectors.appendingPathComponent(earlier).path), mode: .merge(policy: .newer, dryRun: false))
            }
            let report = try vault.read(.file(Self.vectors.appendingPathComponent(entry.file).path), mode: .merge(policy: .newer, dryRun: false))
            #expect(report.committed || report.alreadyMerged, "\(entry.file)")
            let counts = VectorSuiteTests.counts(report.counts)
            for (key, expected) in entry.counts { #expect(counts[key] == expected, "\(entry.file): \(key) \(counts[key] ?? -1), the reference says \(expected)") }
            let sidecarName = try #require(entry.expected, "\(entry.file) has no sidecar")
            let sidecarBytes = [UInt8](try Data(contentsOf: Self.vectors.appendingPathComponent(sidecarName)))
            guard case .object(let sidecar) = try sidecarBytes.withUnsafeBufferPointer({ try JSONParser.parse($0) }),
                  case .array(let expected)? = sidecar["records"] else {
                Issue.record("\(sidecarName): no records")
                continue
            }
            #expect(report.records == expected.count, "\(entry.file)")
            #expect(report.metadata.snapshotID == sidecar["metadata"]?.objectValue?["snapshot_id"]?.stringValue, "\(entry.file)")
            // Payload 2 says what each line did; payload-1 records are all added.
            var outcome: [String: String] = [:]
            for case .object(let o) in sidecar["outcomes"]?.arrayValue ?? [] {
                if let id = o["id"]?.stringValue, let what = o["outcome"]?.stringValue { outcome[id] = what }
            }
            let stored = Dictionary(uniqueKeysWithValues: try store.list(limit: nil).map { ($0.id, $0) })
            for case .object(let record) in expected {
                let id = try #require(record["id"]?.stringValue)
                guard (outcome[id] ?? "added") == "added" else { continue }
                let row = try #require(stored[id], "\(entry.file): \(id) was not stored")
                let problems = Self.differences(row, record, reader: store)
                #expect(problems.isEmpty, "\(entry.file): \(id) differs: \(problems)")
            }
        }
    }

    @Test func aiMemRefusesTheReferencesOneDefectSnapshotsByClass() throws {
        let entries = try Self.manifest("manifest-isolated-rejects.json")
        #expect(entries.count >= 10)
        for entry in entries {
            let (home, vault, store) = try VectorSuiteTests().readerHome()
            defer { _ = home }
            for earlier in entry.before {
                _ = try vault.read(.file(Self.vectors.appendingPathComponent(earlier).path), mode: .merge(policy: .newer, dryRun: false))
            }
            let rows = try store.list(limit: nil), ledger = try store.ledger().map(\.snapshotID)
            do {
                _ = try vault.read(.file(Self.vectors.appendingPathComponent(entry.file).path), mode: .merge(policy: .newer, dryRun: false))
                Issue.record("\(entry.file) was accepted; the reference refuses it as \(entry.error)")
            } catch let error as SnapshotError {
                #expect(error.errorClass == entry.error, "\(entry.file): \(error.message)")
            }
            #expect(try store.list(limit: nil) == rows && store.ledger().map(\.snapshotID) == ledger, "\(entry.file): the store changed")
        }
    }

    @Test func theReferenceReadsItsOwnVectorsAsTheirManifestsSay() throws {
        for manifest in ["manifest.json", "manifest-isolated-rejects.json"] {
            let (_, status, stderr) = try Self.checkVectors("Tests/Reference/snapshot/vectors/" + manifest)
            #expect(status == 0, "\(manifest): \(stderr)")
        }
    }
}
