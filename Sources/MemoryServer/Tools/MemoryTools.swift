import AIMemCore
import Foundation
import MemoryStore
import Vault
import SecretScan

/// The memory tools of `ai-mem mcp` over one store: search, get, timeline and stats
/// (read-only), add, edit and delete (under the authorship rules: only a memory's
/// author changes it; a deletion of your own memory travels as a tombstone).
public struct MemoryTools: Sendable {
    let store: MemoryStore
    let keys: KeyStore
    /// The project of a memory added without one (the server's working directory, as in `ai-mem add`).
    let defaultProject: String

    /// Bounds on what a client may send.
    static let maxContent = 1_000_000, maxQuery = 2_000, maxShort = 500, maxTags = 50, maxIDs = 100, maxLimit = 100

    public init(store: MemoryStore, keys: KeyStore, defaultProject: String) {
        self.store = store
        self.keys = keys
        self.defaultProject = defaultProject
    }

    /// Names authors from the keyring as it is now (read again only when its file changed).
    var authors: AuthorNames { AuthorNames(keys: keys) }

    public var all: [Tool] { [search, get, timeline, stats, add, edit, delete] }

    // MARK: Reading

    var search: Tool {
        Tool(
            name: "memory_search", title: "Search memory",
            description: """
                Search the long-term memory (facts, decisions, fixes learned in earlier sessions, yours and your teammates'). \
                Hybrid search (default) combines keywords and meaning; use keyword for exact names and identifiers. \
                Each result carries its author and, for a teammate's memory, which snapshot brought it and when.
                """,
            arguments: [
                Argument("query", .string(minLength: 1, maxLength: Self.maxQuery), required: true, "What to look for, in words or identifiers."),
                Argument("mode", .string(maxLength: 8, choices: ["hybrid", "keyword", "semantic"]), default: .string("hybrid"), "How to match."),
                Argument("limit", .integer(minimum: 1, maximum: Self.maxLimit), default: .int(10), "How many results at most."),
            ] + Self.filterArguments,
            output: Schemas.object(["query": Schemas.string, "mode": Schemas.string, "count": Schemas.integer,
                                    "results": Schemas.array(Schemas.searchResult), "without_vectors": Schemas.integer]),
            effects: .reads
        ) { [self] a in
            let mode = SearchMode(rawValue: a.string("mode") ?? "hybrid") ?? .hybrid
            let hits = try store.search(a.string("query")!, mode: mode, limit: a.int("limit") ?? 10, filter: try Self.filter(a))
            let names = authors
            let results = try hits.map { hit -> JSONValue in
                var o = JSONObject()
                o.append("memory", try memoryJSON(hit.observation, names))
                o.append("score", JSONValue.double(hit.score) ?? .int(0))
                o.append("keyword_rank", hit.keywordRank.map(JSONValue.int) ?? .null)
                o.append("semantic_rank", hit.semanticRank.map(JSONValue.int) ?? .null)
                return .object(o)
            }
            return JSONObject([
                "query": .string(a.string("query")!), "mode": .string(mode.rawValue), "count": .int(results.count), "results": .array(results),
                "without_vectors": .int(mode == .keyword ? 0 : try store.memoriesWithoutVectors()),
            ])
        }
    }

    var get: Tool {
        Tool(
            name: "memory_get", title: "Get memories",
            description: "Fetch memories by id (or a unique id prefix of 8 or more characters), with their full content, author and provenance.",
            arguments: [Argument("ids", .array(of: .string(minLength: 4, maxLength: Self.maxShort), minItems: 1, maxItems: Self.maxIDs), required: true,
                                 "The ids, as memory_search or memory_add gave them.")],
            output: Schemas.object(["memories": Schemas.array(Schemas.memory), "missing": Schemas.array(Schemas.string)]),
            effects: .reads
        ) { [self] a in
            let names = authors
            var found: [JSONValue] = [], missing: [JSONValue] = []
            for id in a.strings("ids")! {
                do { found.append(try memoryJSON(try store.observation(id), names)) } catch MemoryStoreError.notFound {
                    missing.append(.string(id))
                }
            }
            return JSONObject(["memories": .array(found), "missing": .array(missing)])
        }
    }

    var timeline: Tool {
        Tool(
            name: "memory_timeline", title: "Memory timeline",
            description: """
                The memories written just before and after one memory (by id), or after the best match of a query: \
                what else was learned at the time. Give id or query.
                """,
            arguments: [
                Argument("id", .string(minLength: 4, maxLength: Self.maxShort), "The memory to centre on."),
                Argument("query", .string(minLength: 1, maxLength: Self.maxQuery), "Centre on the best match of this query instead."),
                Argument("before", .integer(minimum: 0, maximum: 50), default: .int(5), "How many earlier memories."),
                Argument("after", .integer(minimum: 0, maximum: 50), default: .int(5), "How many later memories."),
                Argument("project", .string(minLength: 1, maxLength: Self.maxShort), "Only memories of this project around it."),
            ],
            output: Schemas.object(["anchor": Schemas.memory, "before": Schemas.array(Schemas.memory), "after": Schemas.array(Schemas.memory)]),
            effects: .reads
        ) { [self] a in
            let anchor: String
            switch (a.string("id"), a.string("query")) {
            case (let id?, nil): anchor = id
            case (nil, let query?):
                guard let best = try store.search(query, limit: 1).first else {
                    throw ToolError("nothing in memory matches \"\(query)\"", hint: "try other words, or memory_search with mode keyword")
                }
                anchor = best.observation.id
            default: throw ToolError("give id or query (one of them)", hint: "memory_search gives ids")
            }
            var filter = ObservationFilter()
            filter.project = a.string("project")
            let (centre, before, after) = try store.timeline(around: anchor, before: a.int("before") ?? 5, after: a.int("after") ?? 5, filter: filter)
            let names = authors
            return JSONObject([
                "anchor": try memoryJSON(centre, names),
                "before": .array(try before.map { try memoryJSON($0, names) }), "after": .array(try after.map { try memoryJSON($0, names) }),
            ])
        }
    }

    var stats: Tool {
        Tool(
            name: "memory_stats", title: "Memory statistics",
            description: "How many memories the store holds, by type; its projects, embedding model and time span.",
            arguments: [],
            output: Schemas.object(["memories": Schemas.integer, "projects": Schemas.integer,
                                    "types": Schemas.array(Schemas.object(["name": Schemas.string, "count": Schemas.integer])),
                                    "embedding_model": Schemas.string, "embedding_dimension": Schemas.integer, "without_vectors": Schemas.integer,
                                    "oldest": Schemas.nullableString, "newest": Schemas.nullableString, "database_bytes": Schemas.integer]),
            effects: .reads
        ) { [self] _ in
            let s = try store.stats()
            return JSONObject([
                "memories": .int(s.observations), "projects": .int(s.projects),
                "types": .array(s.types.map { .object(JSONObject(["name": .string($0.name), "count": .int($0.count)])) }),
                "embedding_model": .string(s.embeddingModel), "embedding_dimension": .int(s.embeddingDimension),
                "without_vectors": .int(try store.memoriesWithoutVectors()),
                "oldest": s.oldest.map { .string(DateParsing.format($0)) } ?? .null, "newest": s.newest.map { .string(DateParsing.format($0)) } ?? .null,
                "database_bytes": .int(s.databaseBytes),
            ])
        }
    }

    // MARK: Writing

    var add: Tool {
        Tool(
            name: "memory_add", title: "Remember",
            description: """
                Store a new memory: a fact, decision, fix or discovery worth keeping for later sessions. \
                Write it so it stands alone (what, why, where). Returns the stored memory with its id, and the secrets \
                (API keys, tokens, passwords, private keys) it holds: they stay in this store, but a snapshot to \
                teammates refuses them until the user redacts them (`ai-mem redact ID`); leave secrets out of memories.
                """,
            arguments: [
                Argument("content", .string(minLength: 1, maxLength: Self.maxContent), required: true, "The text to remember."),
                Argument("title", .string(minLength: 1, maxLength: Self.maxShort), "A short title."),
                Argument("type", .string(minLength: 1, maxLength: 64), default: .string("note"), "note, decision, bugfix, discovery, …"),
                Argument("project", .string(minLength: 1, maxLength: Self.maxShort), "The project (default: the server's working directory)."),
                Argument("tags", .array(of: .string(minLength: 1, maxLength: 100), maxItems: Self.maxTags), "Tags."),
                Argument("metadata", .freeObject(maxProperties: 64), "Extra data as a JSON object, e.g. {\"ticket\": \"ATL-12\"}."),
                Argument("importance", .number(minimum: 0, maximum: 1), default: JSONValue.double(0.5), "Importance from 0 to 1."),
            ],
            output: Schemas.object(["memory": Schemas.memory, "secrets": Schemas.array(Schemas.secret)]),
            effects: ToolEffects(readOnly: false, destructive: false, idempotent: false)
        ) { [self] a in
            let observation = try store.add(NewObservation(
                content: a.string("content")!, project: a.string("project") ?? defaultProject, type: a.string("type") ?? "note",
                title: a.string("title"), tags: a.strings("tags") ?? [], metadata: a.object("metadata") ?? JSONObject(),
                importanceScore: a.double("importance") ?? 0.5))
            return JSONObject(["memory": try memoryJSON(observation, authors), "secrets": Self.secrets(in: observation)])
        }
    }

    /// The secrets in a stored memory, masked (`memory_add` and `memory_edit` say so).
    static func secrets(in o: Observation) -> JSONValue {
        .array(SecretScanner.standard.findings(in: o).map { f in
            .object(JSONObject([
                "rule": .string(f.ruleID), "description": .string(f.description), "field": .string(f.field),
                "line": .int(f.line), "column": .int(f.column), "excerpt": .string(f.excerpt),
            ]))
        })
    }

    var edit: Tool {
        Tool(
            name: "memory_edit", title: "Edit a memory",
            description: """
                Change a memory you wrote (content, title, type, tags or metadata; what you give replaces the old value). \
                A teammate's memory can only be changed by its author: add a memory of your own instead.
                """,
            arguments: [
                Argument("id", .string(minLength: 4, maxLength: Self.maxShort), required: true, "The memory to change."),
                Argument("content", .string(minLength: 1, maxLength: Self.maxContent), "The new text."),
                Argument("title", .string(minLength: 1, maxLength: Self.maxShort), "The new title."),
                Argument("type", .string(minLength: 1, maxLength: 64), "The new type."),
                Argument("tags", .array(of: .string(minLength: 1, maxLength: 100), maxItems: Self.maxTags), "The new tags (replace every tag)."),
                Argument("metadata", .freeObject(maxProperties: 64), "The new metadata (replaces the old)."),
            ],
            output: Schemas.object(["memory": Schemas.memory, "secrets": Schemas.array(Schemas.secret)]),
            effects: ToolEffects(readOnly: false, destructive: true, idempotent: true)
        ) { [self] a in
            guard ["content", "title", "type", "tags", "metadata"].contains(where: a.has) else {
                throw ToolError("nothing to change", hint: "give content, title, type, tags or metadata")
            }
            let names = authors
            let change = ObservationEdit(content: a.string("content"), title: a.string("title"), type: a.string("type"), tags: a.strings("tags"),
                                         metadata: a.object("metadata"))
            do {
                let edited = try store.edit(a.string("id")!, change, ownKeyIDs: names.ownKeyIDs)
                return JSONObject(["memory": try memoryJSON(edited, names), "secrets": Self.secrets(in: edited)])
            } catch MemoryStoreError.notYourMemory(let id, let author) {
                throw ToolError("\(id) was written by \(names.describe(author).name) (key \(author)): only its author changes it",
                                hint: "add a memory of your own with memory_add (it may say what you would change)")
            }
        }
    }

    var delete: Tool {
        Tool(
            name: "memory_delete", title: "Forget memories",
            description: """
                Forget memories by id. Deleting a memory you wrote also deletes it for the teammates who receive your snapshots; \
                a teammate's memory is forgotten here only.
                """,
            arguments: [Argument("ids", .array(of: .string(minLength: 4, maxLength: Self.maxShort), minItems: 1, maxItems: Self.maxIDs), required: true,
                                 "The ids to forget.")],
            output: Schemas.object(["deleted": Schemas.array(Schemas.string), "not_found": Schemas.array(Schemas.string),
                                    "refused": Schemas.array(Schemas.object(["id": Schemas.string, "reason": Schemas.string]))]),
            effects: ToolEffects(readOnly: false, destructive: true, idempotent: true)
        ) { [self] a in
            let own = authors.ownKeyIDs
            var deleted: [JSONValue] = [], notFound: [JSONValue] = [], refused: [JSONValue] = []
            for id in a.strings("ids")! {
                do {
                    deleted.append(.string(try store.delete(id, ownKeyIDs: own).id))
                } catch MemoryStoreError.notFound {
                    notFound.append(.string(id))
                } catch MemoryStoreError.ambiguousID(let prefix, let matches) {
                    refused.append(.object(JSONObject(["id": .string(prefix), "reason": .string("\(matches) memories start with \(prefix): give more of the id")])))
                }
            }
            return JSONObject(["deleted": .array(deleted), "not_found": .array(notFound), "refused": .array(refused)])
        }
    }

    // MARK: Shared

    static let filterArguments = [
        Argument("project", .string(minLength: 1, maxLength: maxShort), "Only this project."),
        Argument("type", .string(minLength: 1, maxLength: 64), "Only this type (note, decision, bugfix, …)."),
        Argument("tags", .array(of: .string(minLength: 1, maxLength: 100), maxItems: maxTags), "Only memories carrying every one of these tags."),
        Argument("since", .string(minLength: 1, maxLength: 64), "Only memories written since: an ISO 8601 date or time, or a duration such as 12h, 7d, 2w."),
    ]

    static func filter(_ a: ToolArguments) throws -> ObservationFilter {
        var since: Double? = nil
        if let text = a.string("since") {
            guard let seconds = DateParsing.since(text) else {
                throw ToolError("`since` is not a date or a duration: \(text)", hint: "give 2026-11-30, 2026-11-30T09:00:00Z, 12h, 7d or 2w")
            }
            since = seconds
        }
        return ObservationFilter(project: a.string("project"), type: a.string("type"), tags: a.strings("tags") ?? [], since: since)
    }

    /// A memory as the tools return it: its fields, its author (`is_you` for the
    /// store's own user) and, for what a snapshot brought, who sent it and when.
    func memoryJSON(_ o: Observation, _ names: AuthorNames) throws -> JSONValue {
        func person(_ keyID: String?) -> JSONValue {
            let (id, name) = names.describe(keyID)
            return .object(JSONObject(["key_id": id.map(JSONValue.string) ?? .null, "name": .string(name), "is_you": .bool(names.isYou(keyID))]))
        }
        var m = JSONObject()
        m.append("id", .string(o.id))
        m.append("title", o.title.map(JSONValue.string) ?? .null)
        m.append("content", .string(o.content))
        m.append("type", .string(o.type))
        m.append("project", .string(o.project))
        m.append("tags", .array(o.tags.map(JSONValue.string)))
        m.append("metadata", .object(o.metadata))
        m.append("importance", JSONValue.double(o.importanceScore) ?? .int(0))
        m.append("created_at", .string(DateParsing.format(o.createdAt)))
        m.append("updated_at", .string(DateParsing.format(o.updatedAt)))
        m.append("author", person(o.author))
        if let p = try store.provenance(of: o.id) {
            m.append("provenance", .object(JSONObject([
                "snapshot_id": .string(p.snapshotID), "signer": person(p.signerKeyID), "merged_at": .string(DateParsing.format(p.mergedAt)),
            ])))
        } else {
            m.append("provenance", .null)
        }
        return .object(m)
    }
}
