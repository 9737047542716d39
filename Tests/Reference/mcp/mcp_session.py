"""A scripted session of the official MCP Python SDK (mcp 2.3.0) against `ai-mem mcp`.

    python3 mcp_session.py AI_MEM_BINARY HOME

Runs initialize, tools/list, memory_add, memory_search, memory_get, memory_timeline,
memory_stats, memory_edit, memory_delete and error cases through `ClientSession`
(which checks every structured result against the tool's outputSchema), then the
SDK's auto-mode `Client` (which probes `server/discover` first and falls back to
initialize). Prints one JSON report on stdout; the Swift test asserts on it.
"""
import asyncio
import json
import os
import sys

from mcp import Client, ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError


def text_of(result):
    return result.content[0].text if result.content else ""


async def session(binary: str, home: str) -> dict:
    env = {**os.environ, "AI_MEM_EMBEDDER": "lexical"}
    params = StdioServerParameters(command=binary, args=["mcp", "--home", home], env=env)
    report: dict = {}
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as s:
            init = await s.initialize()
            report["protocol_version"] = init.protocol_version
            report["server_name"] = init.server_info.name
            report["has_instructions"] = bool(init.instructions)
            tools = (await s.list_tools()).tools
            report["tools"] = {
                t.name: {
                    "read_only": t.annotations.read_only_hint,
                    "destructive": t.annotations.destructive_hint,
                    "idempotent": t.annotations.idempotent_hint,
                    "closed_input": t.input_schema.get("additionalProperties") is False,
                    "has_output_schema": t.output_schema is not None,
                }
                for t in tools
            }
            ids = []
            for content, tags in [
                ("The staging database restarts every night at 02:00 UTC; run migrations before that.", ["ops"]),
                ("Decision: we pin libsodium 1.0.18 because the Debian package is that version.", ["deps"]),
                ("Fix: the flaky login test waited on a real clock; it now takes a fake clock.", ["tests"]),
            ]:
                r = await s.call_tool("memory_add", {"content": content, "tags": tags, "project": "demo", "type": "note"})
                assert not r.is_error, text_of(r)
                ids.append(r.structured_content["memory"]["id"])
                plain_secrets = r.structured_content["secrets"]
            report["added"] = ids
            report["added_author_is_you"] = r.structured_content["memory"]["author"]["is_you"]

            r = await s.call_tool("memory_search", {"query": "libsodium Debian", "mode": "keyword"})
            report["search_keyword_ids"] = [x["memory"]["id"] for x in r.structured_content["results"]]
            r = await s.call_tool("memory_search", {"query": "staging database migrations", "limit": 2, "project": "demo"})
            report["search_hybrid_first"] = r.structured_content["results"][0]["memory"]["id"]
            report["search_hybrid_count"] = r.structured_content["count"]
            report["search_text_is_json"] = json.loads(text_of(r)) == r.structured_content

            r = await s.call_tool("memory_get", {"ids": [ids[1], "ffffffff-0000-0000-0000-000000000000"]})
            report["get_ids"] = [m["id"] for m in r.structured_content["memories"]]
            report["get_missing"] = r.structured_content["missing"]

            r = await s.call_tool("memory_timeline", {"id": ids[1], "before": 5, "after": 5})
            report["timeline"] = [[m["id"] for m in r.structured_content["before"]], r.structured_content["anchor"]["id"],
                                  [m["id"] for m in r.structured_content["after"]]]

            r = await s.call_tool("memory_stats", {})
            report["stats_memories"] = r.structured_content["memories"]

            r = await s.call_tool("memory_edit", {"id": ids[2], "content": "Fix: the login test takes a fake clock (no sleeps)."})
            report["edited_content"] = r.structured_content["memory"]["content"]
            r = await s.call_tool("memory_delete", {"ids": [ids[0], "ffffffff-0000-0000-0000-000000000000"]})
            report["deleted"] = r.structured_content["deleted"]
            report["delete_not_found"] = r.structured_content["not_found"]
            # A memory holding a secret is stored, and the result says so (masked).
            token = "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"
            r = await s.call_tool("memory_add", {"content": f"CI pushes with GITHUB_TOKEN={token}", "project": "demo"})
            report["secret_rules"] = [f["rule"] for f in r.structured_content["secrets"]]
            report["secret_excerpts"] = [f["excerpt"] for f in r.structured_content["secrets"]]
            report["secret_shown"] = token[4:] in json.dumps(r.structured_content["secrets"])
            report["plain_add_secrets"] = plain_secrets

            # Tool errors: the CLI's message and hint, isError set.
            errors = {}
            for name, args in [
                ("memory_search", {"query": 42}),
                ("memory_search", {"query": "x", "limit": 1000}),
                ("memory_search", {"query": "x", "colour": "blue"}),
                ("memory_add", {}),
                ("memory_edit", {"id": ids[1]}),
                ("memory_timeline", {}),
                ("memory_search", {"query": "x", "since": "last tuesday"}),
            ]:
                r = await s.call_tool(name, args)
                errors[f"{name} {json.dumps(args, sort_keys=True)}"] = [r.is_error, text_of(r)]
            report["tool_errors"] = errors
            # Protocol error: an unknown tool.
            try:
                await s.call_tool("memory_teleport", {})
                report["unknown_tool"] = "no error"
            except MCPError as e:
                report["unknown_tool"] = [e.error.code, e.error.message]
            await s.send_ping()
            report["ping"] = True

    # The SDK's high-level client: server/discover first (answered -32601), then initialize.
    async with Client(params) as client:
        r = await client.call_tool("memory_search", {"query": "libsodium", "mode": "keyword"})
        report["auto_client_found"] = [x["memory"]["id"] for x in r.structured_content["results"]]
    return report


if __name__ == "__main__":
    print(json.dumps(asyncio.run(asyncio.wait_for(session(sys.argv[1], sys.argv[2]), timeout=120))))
