import Foundation
import TestFixtures
import Testing

/// Issue 16: `ai-mem mcp`, driven by the official Python SDK and by a raw JSON-RPC
/// client that sends what no SDK would.
@Suite(.serialized)
struct MCPServerTests {

    @Test(.disabled(if: ReferencePython.skip, "AI_MEM_SKIP_REFERENCE_TESTS=1"))
    func theOfficialPythonSDKRunsAWholeSession() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let r = try ReferencePython.run(["Tests/Reference/mcp/mcp_session.py", CLI.executable.path, cli.path("store")])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try jsonObject(Data(r.stdout.utf8))
        #expect(report["protocol_version"] as? String == "2025-11-25")
        #expect(report["server_name"] as? String == "ai-mem" && report["has_instructions"] as? Bool == true)
        let tools = try #require(report["tools"] as? [String: [String: Any]])
        #expect(Set(tools.keys) == ["memory_search", "memory_get", "memory_timeline", "memory_stats", "memory_add", "memory_edit", "memory_delete"])
        for (name, t) in tools {
            #expect(t["closed_input"] as? Bool == true && t["has_output_schema"] as? Bool == true, "\(name)")
            let reads = ["memory_search", "memory_get", "memory_timeline", "memory_stats"].contains(name)
            #expect(t["read_only"] as? Bool == reads, "\(name)")
        }
        #expect(tools["memory_delete"]?["destructive"] as? Bool == true && tools["memory_delete"]?["idempotent"] as? Bool == true)
        #expect(tools["memory_add"]?["destructive"] as? Bool == false && tools["memory_add"]?["idempotent"] as? Bool == false)

        let added = try #require(report["added"] as? [String])
        #expect(added.count == 3 && report["added_author_is_you"] as? Bool == true)
        #expect(report["search_keyword_ids"] as? [String] == [added[1]])
        #expect(report["search_hybrid_first"] as? String == added[0])
        #expect(report["search_text_is_json"] as? Bool == true)
        #expect(report["get_ids"] as? [String] == [added[1]] && report["get_missing"] as? [String] == ["ffffffff-0000-0000-0000-000000000000"])
        let timeline = try #require(report["timeline"] as? [Any])
        #expect(timeline[0] as? [String] == [added[0]] && timeline[1] as? String == added[1] && timeline[2] as? [String] == [added[2]])
        #expect(report["stats_memories"] as? Int == 3)
        #expect(report["edited_content"] as? String == "Fix: the login test takes a fake clock (no sleeps).")
        #expect(report["deleted"] as? [String] == [added[0]] && report["delete_not_found"] as? [String] == ["ffffffff-0000-0000-0000-000000000000"])
        #expect(report["secret_rules"] as? [String] == ["github-pat"] && report["secret_shown"] as? Bool == false)
        #expect(report["secret_excerpts"] as? [String] == ["…ushes with GITHUB_TOKEN=ghp_…(40 chars)"])
        #expect((report["plain_add_secrets"] as? [Any])?.isEmpty == true)

        let errors = try #require(report["tool_errors"] as? [String: [Any]])
        #expect(errors.count == 7)
        func error(_ key: String) -> String {
            let e = errors[key] ?? []
            #expect(e.first as? Bool == true, "\(key) is a tool error")
            return e.last as? String ?? ""
        }
        #expect(error(#"memory_search {"query": 42}"#).hasPrefix("error: `query` must be a string (got number)\nhint: "))
        #expect(error(#"memory_search {"limit": 1000, "query": "x"}"#) == "error: `limit` must be from 1 to 100")
        #expect(error(#"memory_search {"colour": "blue", "query": "x"}"#).hasPrefix("error: unknown argument `colour`\nhint: this tool takes: query, mode, limit"))
        #expect(error(#"memory_add {}"#).hasPrefix("error: `content` is required"))
        #expect(error(#"memory_edit {"id": "\#(added[1])"}"#) == "error: nothing to change\nhint: give content, title, type, tags or metadata")
        #expect(error(#"memory_timeline {}"#).hasPrefix("error: give id or query"))
        #expect(error(#"memory_search {"query": "x", "since": "last tuesday"}"#).hasPrefix("error: `since` is not a date or a duration: last tuesday"))
        let unknown = try #require(report["unknown_tool"] as? [Any])
        #expect(unknown.first as? Int == -32602 && (unknown.last as? String)?.hasPrefix("unknown tool: memory_teleport") == true)
        #expect(report["ping"] as? Bool == true)
        #expect(report["auto_client_found"] as? [String] == [added[1]])
        // What the session changed is in the store, as the CLI sees it.
        let listed = try jsonArray(cli.ok(["list", "--json"]).stdout).map { $0["id"] as! String }
        #expect(listed.count == 3 && listed.contains(added[1]) && listed.contains(added[2]) && !listed.contains(added[0]))  // and the one with a secret
    }

    /// Codex's initialize: id 0, experimental and other capabilities with object values.
    @Test func aCodexInitializeIsAccepted() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let client = try MCPClient(cli)
        try client.send(#"""
            {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"experimental":{"codex/auth-change":{}},"elicitation":{"form":{},"url":{}},"extensions":{"io.modelcontextprotocol/ui":{"mimeTypes":["text/html;profile=mcp-app"]}}},"clientInfo":{"name":"codex-mcp-client","title":"Codex","version":"0.154.0-alpha.6.2"}}}
            """#)
        let r = try #require(try client.receive())
        #expect(r["id"] as? Int == 0)
        let result = try #require(r["result"] as? [String: Any], "\(r)")
        #expect(result["protocolVersion"] as? String == "2025-06-18")
        #expect(((result["capabilities"] as? [String: Any])?["tools"] as? [String: Any])?["listChanged"] as? Bool == false)
        try client.send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        let tools = try #require((try client.request("tools/list")["result"] as? [String: Any])?["tools"] as? [[String: Any]])
        #expect(tools.count == 7)
        // An unknown revision gets the newest this server speaks.
        let other = try MCPClient(cli)
        let answer = try other.request("initialize", ["protocolVersion": "2099-01-01", "capabilities": [:] as [String: Any], "clientInfo": ["name": "x", "version": "1"]])
        #expect((answer["result"] as? [String: Any])?["protocolVersion"] as? String == "2025-11-25")
        try client.closeInput()
        try other.closeInput()
        #expect(client.waitForExit() == 0 && other.waitForExit() == 0)
    }

    @Test func malformedInputGetsProtocolErrorsAndTheServerGoesOn() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let client = try MCPClient(cli)
        func errorOf(_ line: String) throws -> (id: Any?, code: Int?) {
            try client.send(line)
            let r = try #require(try client.receive(), "no answer to \(line)")
            return (r["id"], (r["error"] as? [String: Any])?["code"] as? Int)
        }
        var e = try errorOf("this is not JSON")
        #expect(e.id is NSNull && e.code == -32700)
        e = try errorOf(#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
        #expect(e.code == -32600)
        e = try errorOf(#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#)
        #expect(e.id as? Int == 7 && e.code == -32600, "tools/list before initialize")
        e = try errorOf(#"{"jsonrpc":"2.0","id":8,"method":"server/discover","params":{}}"#)
        #expect(e.id as? Int == 8 && e.code == -32601)
        e = try errorOf(#"{"jsonrpc":"1.0","id":9,"method":"ping"}"#)
        #expect(e.code == -32600)
        e = try errorOf(#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#)
        #expect(e.id is NSNull && e.code == -32600)
        e = try errorOf(#"{"jsonrpc":"2.0","id":10,"method":"ping","params":[1,2]}"#)
        #expect(e.id as? Int == 10 && e.code == -32602)
        e = try errorOf(String(repeating: "[", count: 10_000))
        #expect(e.code == -32700, "nesting deeper than the limit")
        try client.initialize()
        e = try errorOf(#"{"jsonrpc":"2.0","id":11,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}"#)
        #expect(e.code == -32600, "a second initialize")
        e = try errorOf(#"{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":5}}"#)
        #expect(e.code == -32602)
        e = try errorOf(#"{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"memory_add","arguments":"content"}}"#)
        #expect(e.code == -32602)
        e = try errorOf(#"{"jsonrpc":"2.0","id":14,"method":"resources/list"}"#)
        #expect(e.code == -32601)
        // Not UTF-8.
        try client.sendBytes(Data([0x7B, 0xFF, 0xFE, 0x7D, 0x0A]))
        #expect((try client.receive()?["error"] as? [String: Any])?["code"] as? Int == -32700)
        // A 100 MB line is refused and skipped without holding it in memory.
        let before = try client.peakRSSKilobytes()
        let megabyte = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        try client.sendBytes(Data(#"{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"memory_add","arguments":{"content":""#.utf8))
        for _ in 0..<100 { try client.sendBytes(megabyte) }
        try client.sendBytes(Data("\"}}}\n".utf8))
        let tooLarge = try #require(try client.receive())
        #expect(tooLarge["id"] is NSNull && (tooLarge["error"] as? [String: Any])?["code"] as? Int == -32600, "\(tooLarge)")
        #expect(try client.peakRSSKilobytes() - before < 32 * 1024, "memory stays bounded")
        // Still serving, and nothing was stored.
        #expect(try client.request("ping")["result"] as? [String: Any] != nil)
        #expect(try client.ok("memory_stats", [:])["memories"] as? Int == 0)
        try client.closeInput()
        #expect(client.waitForExit() == 0)
        #expect(try jsonObject(cli.ok(["stats", "--json"]).stdout)["observations"] as? Int == 0)
    }

    /// A client that goes away mid-message or stops reading: the server exits cleanly, the store intact.
    @Test func aClientThatDisappearsEndsTheServerCleanly() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["add", "Kept across the disconnects"])
        let halfway = try MCPClient(cli)
        try halfway.initialize()
        try halfway.sendBytes(Data(#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"memory_add","argu"#.utf8))
        try halfway.closeInput()
        #expect(halfway.waitForExit() == 0, "\(halfway.stderr)")

        let deaf = try MCPClient(cli)
        try deaf.initialize()
        deaf.stopReading()
        try deaf.send(#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"memory_search","arguments":{"query":"kept"}}}"#)
        #expect(deaf.waitForExit() == 0, "\(deaf.stderr)")
        #expect(try cli.run(["check"]).status == 0)
        #expect(try jsonObject(cli.ok(["stats", "--json"]).stdout)["observations"] as? Int == 1)
    }

    /// An idle server sleeps in read(2): no polling.
    @Test func anIdleServerUsesNoCPU() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let client = try MCPClient(cli)
        try client.initialize()
        _ = try client.ok("memory_stats", [:])
        let before = try client.cpuTicks()
        Thread.sleep(forTimeInterval: 2)
        #expect(try client.cpuTicks() - before <= 1, "CPU ticks (10 ms each) used in 2 s of idling")
        #expect(try client.request("ping")["result"] != nil)
    }

    /// A teammate's memory comes with its author and provenance; only its author changes it.
    @Test func aTeammatesMemoryShowsItsAuthorAndOnlyTheyChangeIt() throws {
        let alice = try Person.make("alice"), bob = try Person.make("bob")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp() }
        try alice.cli.ok(["keys", "trust", bob.line, "--name", "bob"])
        try bob.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        let bobs = try bob.cli.ok(["add", "Bob: the CI runners moved to the new cluster"]).out.trimmingCharacters(in: .newlines)
        let snapshot = bob.cli.path("for-alice.aimem")
        try bob.cli.ok(["snapshot", "export", snapshot, "--to", "alice"])
        let merged = try jsonObject(alice.cli.ok(["snapshot", "merge", snapshot, "--json"]).stdout)
        let client = try MCPClient(alice.cli)
        try client.initialize()
        let results = try #require(try client.ok("memory_search", ["query": "CI runners cluster"])["results"] as? [[String: Any]])
        let memory = try #require(results.first?["memory"] as? [String: Any])
        #expect(memory["id"] as? String == bobs)
        let author = try #require(memory["author"] as? [String: Any])
        #expect(author["name"] as? String == "bob" && author["is_you"] as? Bool == false && author["key_id"] as? String == bob.keyID)
        let provenance = try #require(memory["provenance"] as? [String: Any])
        #expect(provenance["snapshot_id"] as? String == merged["snapshot_id"] as? String)
        #expect((provenance["signer"] as? [String: Any])?["name"] as? String == "bob")
        let refused = try client.call("memory_edit", ["id": bobs, "content": "Alice rewrites Bob"])
        #expect(refused["isError"] as? Bool == true)
        let text = ((refused["content"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
        #expect(text.hasPrefix("error: \(bobs) was written by bob (key \(bob.keyID)): only its author changes it\nhint: "), "\(text)")
        #expect(try client.ok("memory_delete", ["ids": [bobs]])["deleted"] as? [String] == [bobs])
        #expect(try alice.cli.run(["show", bobs]).status != 0)
    }

    /// Other processes write while the server runs: it sees their rows at its next
    /// search (the vector index too), and its own write waits out a merge instead of failing.
    @Test func otherProcessesWriteWhileTheServerRuns() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["add", "The first memory, before the server"])
        let client = try MCPClient(cli)
        try client.initialize()
        #expect((try client.ok("memory_search", ["query": "server", "mode": "semantic"])["results"] as? [Any])?.count == 1)
        let id = try cli.ok(["add", "Written by the CLI while the server runs: the VPN profile changed"]).out.trimmingCharacters(in: .newlines)
        for mode in ["keyword", "semantic", "hybrid"] {
            let ids = (try client.ok("memory_search", ["query": "VPN profile changed", "mode": mode])["results"] as? [[String: Any]])?
                .compactMap { ($0["memory"] as? [String: Any])?["id"] as? String }
            #expect(ids?.first == id, "\(mode)")
        }
        let (holder, _) = try BusyStoreTests().holdWriteLock(cli, seconds: 2)
        let started = Date()
        let added = try client.ok("memory_add", ["content": "Added through MCP while a merge holds the store"])
        holder.waitUntilExit()
        #expect(Date().timeIntervalSince(started) >= 1.5)
        #expect((added["memory"] as? [String: Any])?["content"] as? String == "Added through MCP while a merge holds the store")
        #expect(client.stderr.contains("another ai-mem is writing to the store"), "\(client.stderr)")
        #expect(try jsonObject(cli.ok(["stats", "--json"]).stdout)["observations"] as? Int == 3)
    }
}
