import AIMemCore
import Foundation
import TestFixtures
import Testing
@testable import MemoryStore

struct ImportExportTests {
    static func fixtureRecords(_ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try Fixtures.pythonAiMem(name)))
        if name.hasSuffix(".json") {
            return try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").dropFirst().map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    @Test(arguments: ["export.json", "snapshot.jsonl"])
    func importsPythonAiMemFilesKeepingIdsContentAndHashes(_ name: String) throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let report = try store.importObservations(from: .file(try Fixtures.pythonAiMem(name)), options: ImportOptions(defaultProject: "/default"))
        #expect(report.read == 30)
        #expect(report.imported == 30)
        #expect(report.skipped.isEmpty)
        let fixtureText = try String(contentsOfFile: try Fixtures.pythonAiMem(name), encoding: .utf8)
        for record in try Self.fixtureRecords(name) {
            let o = try store.observation(record["id"] as! String)
            #expect(o.content == record["content"] as! String)
            #expect(o.contentHash == record["content_hash"] as! String)
            #expect(o.contentHash == SHA256Hex.of(o.content))
            #expect(o.project == record["project"] as! String)
            // Foundation's reader rounds the last digits; the exact text must survive ours.
            #expect(abs(o.createdAt - (record["created_at"] as! NSNumber).doubleValue) < 1e-5)
            guard case .number(let createdText)? = JSONValue.double(o.createdAt) else { Issue.record("no time"); continue }
            #expect(fixtureText.contains("\"created_at\": \(createdText),"))
            #expect(o.summary == record["summary"] as? String)
            #expect(o.tags == record["tags"] as! [String])
            #expect(o.embedding?.model == store.embedder.modelID)
        }
        if name.hasSuffix(".jsonl") { #expect(report.announcedCount == 30) }
    }

    @Test func importingTwiceChangesNothing() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let path = try Fixtures.pythonAiMem("snapshot.jsonl")
        _ = try store.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/d"))
        let before = try snapshotOfRows(store)
        let again = try store.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/d"))
        #expect(again.imported == 0)
        #expect(again.alreadyPresent == 30)
        #expect(try snapshotOfRows(store) == before)
        // The other file holds the same ids.
        let other = try store.importObservations(from: .file(try Fixtures.pythonAiMem("export.json")), options: ImportOptions(defaultProject: "/d"))
        #expect(other.alreadyPresent == 30)
    }

    @Test func malformedLineRejectsTheWholeFileAndLeavesTheStoreUnchanged() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        _ = try store.add(NewObservation(content: "already here", project: "/p"))
        let before = try snapshotOfRows(store)
        let good = #"{"id": "11111111-1111-4111-8111-111111111111", "content": "fine"}"#
        let path = try temp.file("bad.jsonl", contents: good + "\n" + #"{"id": "2", "content": "broken"# + "\n" + good.replacingOccurrences(of: "1111-4", with: "2222-4") + "\n")
        #expect(throws: MemoryStoreError.importRejected(source: path, line: 2, reason: "not valid JSON: unterminated string")) {
            _ = try store.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/d"))
        }
        #expect(try snapshotOfRows(store) == before)
    }

    @Test func invalidUTF8RejectsTheFile() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let path = temp.url.appendingPathComponent("bad.jsonl").path
        try FileManager.default.createDirectory(at: temp.url, withIntermediateDirectories: true)
        var bytes = Array(#"{"content": "ok"}"#.utf8) + [0x0A]
        bytes += Array(#"{"content": "bad "#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8) + [0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: MemoryStoreError.importRejected(source: path, line: 2, reason: "not valid JSON: invalid UTF-8 in a string")) {
            _ = try store.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/d"))
        }
        #expect(try store.stats().observations == 0)
    }

    @Test func unusableRecordsAreCountedAndReported() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let lines = [
            #"{"snapshot": {"count": 5}}"#,
            #"{"id": "a1", "summary": "later-version record", "project": "/x", "type": "note", "created_at": "2026-01-02T03:04:05"}"#,
            #"{"id": "a2", "title": "no text at all"}"#,
            #"[1, 2, 3]"#,
            #"{"id": 42, "content": "numeric id"}"#,
            #"{"id": "a1", "content": "duplicate id in the same file"}"#,
            #"{"id": {"x": 1}, "content": "object id"}"#,
        ]
        let path = try temp.file("mixed.jsonl", contents: lines.joined(separator: "\r\n"))
        let report = try store.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/d", now: 1_800_000_000))
        #expect(report.read == 6)
        #expect(report.imported == 2)
        #expect(report.duplicatesInInput == 1)
        #expect(report.skipped.map(\.location) == ["line 3", "line 4", "line 7"])
        #expect(report.announcedCount == 5)
        let later = try store.observation("a1")
        #expect(later.content == "later-version record")
        #expect(later.createdAt == 1767323045)
        #expect(later.contentHash == SHA256Hex.of("later-version record"))
        #expect(try store.observation("42").content == "numeric id")
    }

    @Test func recordsWithoutIdsGetStableIdsSoReimportIsIdempotent() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let path = try temp.file("noid.json", contents: #"{"observations": [{"content": "no id here", "created_at": 1700000012}]}"#)
        #expect(try store.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/d")).imported == 1)
        #expect(try store.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/d")).alreadyPresent == 1)
    }

    /// docs/FORMAT.md §4.7: a time before 2000 or more than a day ahead is skipped with its reason.
    @Test func absurdTimesAreSkipped() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let now = Date().timeIntervalSince1970
        let lines = [
            #"{"id": "ok", "content": "fine", "created_at": 1700000000}"#,
            #"{"id": "y9999", "content": "pinned", "created_at": 1700000000, "updated_at": 253402300799}"#,
            #"{"id": "y1990", "content": "old", "created_at": 631152000}"#,
            #"{"id": "tomorrow", "content": "skewed", "created_at": \#(now + 3600)}"#,
            #"{"id": "in3days", "content": "ahead", "created_at": \#(now + 3 * 86400)}"#,
        ]
        let path = try temp.file("times.ndjson", contents: lines.joined(separator: "\n") + "\n")
        let report = try store.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/d", now: now))
        #expect(report.imported == 2 && report.skippedCount == 3)
        #expect(report.skipped.map(\.reason).contains { $0.hasPrefix("updated_at 253402300799") && $0.contains("is before 2000-01-01 or more than a day ahead") })
        #expect(report.skipped.map(\.reason).contains { $0.hasPrefix("created_at 631152000") })
        #expect(try store.list(limit: nil).map(\.id).sorted() == ["ok", "tomorrow"])
    }

    @Test func projectOverrideApplies() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        _ = try store.importObservations(from: .file(try Fixtures.pythonAiMem("export.json")), options: ImportOptions(projectOverride: "/mine", defaultProject: "/d"))
        #expect(try store.stats().projects == 1)
        #expect(try store.list(ObservationFilter(project: "/mine"), limit: nil).count == 30)
    }

    @Test func exportThenImportIsLosslessIncludingEmbeddings() throws {
        let source = TemporaryHome()
        let store = try source.store()
        _ = try store.importObservations(from: .file(try Fixtures.pythonAiMem("export.json")), options: ImportOptions(defaultProject: "/d"))
        _ = try store.add(NewObservation(
            content: "ZWJ 👩‍💻 flag 🇫🇷 RTL שלום CJK 中文\ttab \"q\" 'q' back\\slash\r\nCRLF", project: "/p", title: "t",
            concept: "c", sessionID: "s", tags: ["ü", "タグ"], metadata: JSONObject(["n": .number("1e-05"), "o": .object(JSONObject(["k": .null]))])))
        let path = source.url.appendingPathComponent("out.ndjson").path
        let report = try OutputDestination.file(path).write { sink in try store.exportPlain(to: sink) }
        #expect(report.count == 31)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.size] as? Int == report.bytes)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let target = TemporaryHome()
        let copy = try target.store()
        let imported = try copy.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/other"))
        #expect(imported.imported == 31)
        #expect(imported.foreignEmbeddings == 0)
        #expect(try snapshotOfRows(copy) == snapshotOfRows(store))
        // Vectors are bit-exact.
        for o in try store.list(limit: nil) {
            #expect(try copy.observation(o.id).embedding?.vector.map(\.bitPattern) == o.embedding?.vector.map(\.bitPattern))
        }
    }

    @Test func exportHeaderAndFilters() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        _ = try store.add(NewObservation(content: "a", project: "/a", tags: ["t"]), now: 10)
        _ = try store.add(NewObservation(content: "b", project: "/b"), now: 20)
        let path = temp.url.appendingPathComponent("a.ndjson").path
        let report = try OutputDestination.file(path).write { sink in
            try store.exportPlain(to: sink, filter: ObservationFilter(project: "/a"))
        }
        #expect(report.count == 1)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let header = try JSONParser.parse(String(lines[0])).objectValue?["snapshot"]?.objectValue
        #expect(header?["count"] == .number("1"))
        #expect(header?["project"] == .string("/a"))
        #expect(header?["embedding_model"] == .string("lexical-hash-384-v1"))
        let record = try JSONParser.parse(String(lines[1])).objectValue
        #expect(record?["content"] == .string("a"))
        #expect(record?["embedding"]?.objectValue?["dim"] == .number("384"))
    }

    @Test func failedExportLeavesNoFile() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        _ = try store.add(NewObservation(content: "a", project: "/a"))
        let path = temp.url.appendingPathComponent("never.ndjson").path
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try OutputDestination.file(path).write { sink in
                _ = try store.exportPlain(to: sink)
                throw Boom()
            }
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: temp.url.path).filter { $0.contains("never") }
        #expect(leftovers.isEmpty)
    }

    @Test func embeddingsOfAnotherModelAreKeptLabelled() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let vector = Embedding(model: "other-model", vector: [0.6, 0.8])
        let base64 = Data(vector.littleEndianBytes).base64EncodedString()
        let bad = Data(Embedding(model: "m", vector: [.nan, 1]).littleEndianBytes).base64EncodedString()
        let path = try temp.file("e.jsonl", contents: """
            {"id": "e1", "content": "foreign", "embedding": {"model": "other-model", "dim": 2, "vector": "\(base64)"}}
            {"id": "e2", "content": "nan", "embedding": {"model": "m", "dim": 2, "vector": "\(bad)"}}
            {"id": "e3", "content": "wrong dim", "embedding": {"model": "m", "dim": 3, "vector": "\(base64)"}}
            """)
        let report = try store.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/d"))
        #expect(report.imported == 3)
        #expect(report.foreignEmbeddings == 1)
        #expect(report.reembedded == 2)
        #expect(try store.observation("e1").embedding == vector)
        #expect(try store.observation("e2").embedding?.model == store.embedder.modelID)
        #expect(try store.observation("e3").embedding?.model == store.embedder.modelID)
    }

    @Test func overlongLineIsRejected() throws {
        let temp = TemporaryHome()
        let path = try temp.file("long.txt", contents: "short\n" + String(repeating: "x", count: 100) + "\n")
        let small = try InputSource.file(path).openLineReader(maxLineBytes: 10)
        #expect(try small.nextLine().map { Array($0) } == Array("short".utf8))
        #expect(throws: LineReader.Failure.lineTooLong(line: 2, limit: 10)) { _ = try small.nextLine() }
    }
}
