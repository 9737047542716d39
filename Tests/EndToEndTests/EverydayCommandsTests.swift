import Foundation
import TestFixtures
import Testing

/// The everyday commands, driven through the real binary.
struct EverydayCommandsTests {
    static let tricky: [String] = [
        "ZWJ family 👨‍👩‍👧‍👦, technologist 👩🏽‍💻, flags 🇯🇵🇫🇷🏴󠁧󠁢󠁳󠁣󠁴󠁿",
        "CJK 日本語の文章と中文和한국어",
        "RTL: שלום עולם and العربية mixed with LTR",
        "tabs\tinside\tand a quote \" and 'single' and back\\slash \\n literal",
        "Windows line\r\nendings\r\nkept",
        "line one\nline two\n\n  indented line three",
        String(repeating: "20 KB of content ✓ ", count: 1100) + "end",
    ]

    /// A deleted memory stays deleted: re-importing an export that still holds it skips it.
    @Test func deletedMemoriesAreNotImportedAgain() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let id = try cli.ok(["add", "token = ghp_not_really_a_token_but_deleted_anyway"]).out.trimmingCharacters(in: .newlines)
        try cli.ok(["add", "a note that stays"])
        let export = cli.path("all.ndjson")
        try cli.ok(["export", export])
        try cli.ok(["delete", id])
        let report = try jsonObject(cli.ok(["import", export, "--json"]).stdout)
        #expect(report["imported"] as? Int == 0 && report["deleted_here"] as? Int == 1 && report["already_present"] as? Int == 1)
        #expect(try cli.ok(["import", export]).out.contains("1 deleted here (kept deleted)"))
        #expect(try jsonArray(cli.ok(["list", "--json"]).stdout).map { $0["content"] as? String } == ["a note that stays"])
    }

    @Test(arguments: tricky)
    func addThenShowJSONRoundTripsByteExact(_ text: String) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let id = try cli.ok(["add", text, "--tag", "ü-tag", "--metadata", #"{"k": "ü"}"#]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try jsonObject(cli.ok(["show", id, "--json"]).stdout)
        let content = try #require(shown["content"] as? String)
        #expect(Array(content.utf8) == Array(text.utf8))
        #expect(shown["id"] as? String == id)
        #expect(shown["tags"] as? [String] == ["ü-tag"])
        #expect((shown["metadata"] as? [String: String]) == ["k": "ü"])
        #expect((shown["embedding"] as? [String: Any])?["dim"] as? Int == 384)
        // The same text through standard input.
        let fromStdin = try cli.ok(["add", "-", "--json"], input: Data(text.utf8))
        #expect(Array((try jsonObject(fromStdin.stdout)["content"] as? String ?? "").utf8) == Array(text.utf8))
    }

    @Test func exportThenImportRoundTripsTrickyTextByteExact() throws {
        let a = CLI(), b = CLI()
        defer { a.cleanUp(); b.cleanUp() }
        for text in Self.tricky { try a.ok(["add", text, "--project", "/proj/ü"]) }
        let file = a.path("export.ndjson")
        let export = try a.ok(["export", file])
        #expect(export.stderr.contains("not encrypted"))
        #expect(try b.ok(["import", file]).out.contains("imported 7 of 7"))
        let listA = try a.ok(["list", "--json", "--limit", "0"]).stdout
        let listB = try b.ok(["list", "--json", "--limit", "0"]).stdout
        #expect(listA == listB)
        let contents = try jsonArray(listB).compactMap { $0["content"] as? String }
        #expect(Set(contents.map { Array($0.utf8) }) == Set(Self.tricky.map { Array($0.utf8) }))
        // Re-exporting gives the same records (headers differ by id and time).
        let again = b.path("again.ndjson")
        try b.ok(["export", again])
        let recordsA = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").dropFirst()
        let recordsB = try String(contentsOfFile: again, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(Array(recordsA) == Array(recordsB))
    }

    @Test func exportToStdoutAndImportFromStdin() throws {
        let a = CLI(), b = CLI()
        defer { a.cleanUp(); b.cleanUp() }
        try a.ok(["add", "piped memory"])
        let exported = try a.ok(["export", "-"])
        #expect(exported.out.split(separator: "\n").count == 2)
        #expect(try b.ok(["import", "-"], input: exported.stdout).out.contains("imported 1 of 1"))
        #expect(try b.ok(["list"]).out.contains("piped memory"))
    }

    @Test(arguments: ["export.json", "snapshot.jsonl"])
    func importsSharedAiMemFixtures(_ name: String) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let path = try Fixtures.pythonAiMem(name)
        let report = try jsonObject(cli.ok(["import", path, "--json"]).stdout)
        #expect(report["imported"] as? Int == 30)
        #expect((report["skipped"] as? [Any])?.isEmpty == true)
        let listed = try jsonArray(cli.ok(["list", "--json", "--limit", "0"]).stdout)
        #expect(listed.count == 30)
        // ids, content and content_hash exactly as in the file.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for o in listed {
            let id = try #require(o["id"] as? String)
            let hash = try #require(o["content_hash"] as? String)
            #expect(text.contains(id))
            #expect(text.contains(hash))
        }
        let again = try jsonObject(cli.ok(["import", path, "--json"]).stdout)
        #expect(again["imported"] as? Int == 0)
        #expect(again["already_present"] as? Int == 30)
        let stats = try jsonObject(cli.ok(["stats", "--json"]).stdout)
        #expect(stats["observations"] as? Int == 30)
        #expect(stats["projects"] as? Int == 3)
        #expect(stats["embedding_model"] as? String == "lexical-hash-384-v1")
    }

    @Test func corruptLineRejectsImportAndLeavesStoreUnchanged() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["import", try Fixtures.pythonAiMem("snapshot.jsonl")])
        let before = try cli.ok(["list", "--json", "--limit", "0"]).stdout
        var lines = try String(contentsOfFile: try Fixtures.pythonAiMem("snapshot.jsonl"), encoding: .utf8).components(separatedBy: "\n")
        lines[1] = lines[1].replacingOccurrences(of: "39b1766f", with: "99999999")  // a new id, would import
        lines[5] = String(lines[5].dropLast(3))  // broken JSON on line 6
        let bad = cli.path("bad.jsonl")
        try lines.joined(separator: "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        let result = try cli.run(["import", bad])
        #expect(result.status != 0)
        #expect(result.stderr.contains("ai-mem: error: \(bad): line 6:"))
        #expect(result.stderr.contains("nothing was imported"))
        #expect(result.stderr.contains("ai-mem: hint:"))
        #expect(try cli.ok(["list", "--json", "--limit", "0"]).stdout == before)
    }

    @Test(arguments: ["\"unterminated", "-leading", "star*", "col:on", "(paren)", "a OR", "NEAR(", "'", "\\"])
    func searchWithFTS5SyntaxSucceeds(_ query: String) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["add", "star shaped colon parenthesis leading note"])
        for mode in ["keyword", "semantic", "hybrid"] {
            // `--` ends the options, so a query may start with "-".
            let result = try cli.run(["search", "--mode", mode, "--json", "--", query])
            #expect(result.status == 0, "\(mode) \(query): \(result.stderr)")
            #expect(try JSONSerialization.jsonObject(with: result.stdout) is [Any])
        }
    }

    @Test func searchFindsAndScores() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["import", try Fixtures.pythonAiMem("snapshot.jsonl")])
        let hits = try jsonArray(cli.ok(["search", "pagination off-by-one", "--json", "--limit", "3"]).stdout)
        let top = try #require(hits.first)
        #expect(((top["observation"] as? [String: Any])?["content"] as? String)?.contains("pagination") == true)
        #expect((top["score"] as? Double ?? 0) > 0)
        let keyword = try jsonArray(cli.ok(["search", "mdBook", "--mode", "keyword", "--json"]).stdout)
        #expect(keyword.count >= 1)
        let scoped = try jsonArray(cli.ok(["search", "the", "--project", "/home/dev/projects/atlas-api", "--json"]).stdout)
        #expect(scoped.allSatisfy { ($0["observation"] as? [String: Any])?["project"] as? String == "/home/dev/projects/atlas-api" })
    }

    @Test func listShowDeleteAndStats() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let first = try cli.ok(["add", "first memory", "--project", "/a", "--type", "decision", "--tag", "x", "--title", "First"]).out
            .trimmingCharacters(in: .newlines)
        try cli.ok(["add", "second memory", "--project", "/b", "--session", "s-1"])
        let all = try jsonArray(cli.ok(["list", "--json"]).stdout)
        #expect(all.map { $0["content"] as? String } == ["second memory", "first memory"])
        #expect(all.allSatisfy { ($0["embedding"] as? [String: Any])?["vector"] == nil })
        #expect(try jsonArray(cli.ok(["list", "--json", "--project", "/a"]).stdout).count == 1)
        #expect(try jsonArray(cli.ok(["list", "--json", "--type", "decision"]).stdout).count == 1)
        #expect(try jsonArray(cli.ok(["list", "--json", "--tag", "x"]).stdout).count == 1)
        #expect(try jsonArray(cli.ok(["list", "--json", "--since", "1d"]).stdout).count == 2)
        #expect(try jsonArray(cli.ok(["list", "--json", "--limit", "1"]).stdout).count == 1)
        #expect(try cli.ok(["list"]).out.contains("[decision] First"))
        #expect(try cli.ok(["show", String(first.prefix(8))]).out.contains("first memory"))
        let deleted = try jsonObject(cli.ok(["delete", first, "--json"]).stdout)
        #expect(deleted["deleted"] as? String == first)
        let missing = try cli.run(["show", first])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("ai-mem: error: no observation with id \(first)\nai-mem: hint: "))
        let stats = try jsonObject(cli.ok(["stats", "--json"]).stdout)
        #expect(stats["observations"] as? Int == 1)
        #expect(stats["projects"] as? Int == 1)
    }

    @Test func defaultProjectIsTheWorkingDirectory() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let dir = cli.home.appendingPathComponent("some project")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let result = try cli.run(["add", "where am I", "--json"], workingDirectory: dir)
        #expect(result.status == 0)
        #expect(try jsonObject(result.stdout)["project"] as? String == dir.path)
    }

    @Test func homeOptionBeatsEnvironment() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let other = cli.path("other-home")
        try cli.ok(["add", "in the other home", "--home", other])
        #expect(FileManager.default.fileExists(atPath: other + "/memory.sqlite"))
        #expect(try jsonArray(cli.ok(["list", "--json"]).stdout).isEmpty)
        #expect(try jsonArray(cli.ok(["list", "--json", "--home", other]).stdout).count == 1)
    }

    @Test func errorsNameTheProblemAndHint() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let empty = try cli.run(["add", "   "])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("ai-mem: error: the content is empty"))
        let badMeta = try cli.run(["add", "x", "--metadata", "[1]"])
        #expect(badMeta.stderr.contains("--metadata is not a JSON object"))
        let badSince = try cli.run(["list", "--since", "someday"])
        #expect(badSince.stderr.contains("cannot read --since someday"))
        #expect(badSince.stderr.contains("ai-mem: hint:"))
        let missing = try cli.run(["import", cli.path("nope.json")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no such file"))
        let noDir = try cli.run(["export", cli.path("no/such/dir/out.ndjson")])
        #expect(noDir.status == 1)
        #expect(noDir.stderr.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("no/such/dir/out.ndjson")))
    }
}
