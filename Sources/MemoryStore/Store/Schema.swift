import AIMemCore
import GRDB

/// The store's schema, applied as versioned migrations. A migration, once shipped,
/// is never edited: later changes are new migrations.
enum Schema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-observations") { db in
            try db.execute(sql: """
                CREATE TABLE observations (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    session_id TEXT,
                    project TEXT NOT NULL,
                    type TEXT NOT NULL,
                    concept TEXT,
                    title TEXT,
                    content TEXT NOT NULL,
                    summary TEXT,
                    content_hash TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    importance_score REAL NOT NULL,
                    tags TEXT NOT NULL,
                    metadata TEXT NOT NULL,
                    diff TEXT,
                    assets TEXT NOT NULL,
                    embedding_model TEXT,
                    embedding_dim INTEGER,
                    embedding BLOB
                );
                CREATE INDEX observations_by_created ON observations(created_at);
                CREATE INDEX observations_by_project ON observations(project, created_at);
                CREATE INDEX observations_by_model ON observations(embedding_model, embedding_dim);
                -- External-content FTS5 index, kept in step by the program inside the
                -- same transaction as every write (faster than triggers). The tags
                -- column indexes the stored JSON array; unicode61 splits it into words.
                CREATE VIRTUAL TABLE observations_fts USING fts5(
                    title, summary, content, tags,
                    content='observations', content_rowid='seq',
                    tokenize='unicode61 remove_diacritics 2'
                );
                """)
        }
        migrator.registerMigration("v2-snapshot-ledger") { db in
            try db.execute(sql: """
                -- Every snapshot merged into this store (ai-mem snapshot merge).
                CREATE TABLE merged_snapshots (
                    snapshot_id TEXT PRIMARY KEY,
                    signer_key_id TEXT NOT NULL,
                    signer_name TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    merged_at REAL NOT NULL,
                    added INTEGER NOT NULL,
                    unchanged INTEGER NOT NULL,
                    conflicts INTEGER NOT NULL,
                    replaced INTEGER NOT NULL
                );
                CREATE INDEX merged_snapshots_by_signer ON merged_snapshots(signer_key_id, sequence);
                -- Where a row inserted or replaced by a merge came from.
                CREATE TABLE observation_provenance (
                    observation_id TEXT PRIMARY KEY,
                    snapshot_id TEXT NOT NULL,
                    signer_key_id TEXT NOT NULL,
                    merged_at REAL NOT NULL
                );
                -- Small named values, such as this store's last export sequence.
                CREATE TABLE vault_state (
                    name TEXT PRIMARY KEY,
                    value INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3-write-generation") { db in
            // Counts changes to observations, so that caches (the vector index) know when
            // they are stale. Every writer of observation rows bumps it — `ObservationRow.insert`
            // and `delete`, the merge session, reindex (triggers would double the cost of a merge).
            try db.execute(sql: "INSERT OR IGNORE INTO vault_state (name, value) VALUES ('observations_generation', 0)")
            // Deletions alone: while it stays the same, row numbers only grow, and the
            // vector index can take the new rows by appending them.
            try db.execute(sql: "INSERT OR IGNORE INTO vault_state (name, value) VALUES ('observations_deletions', 0)")
            // BLAKE2b-512 (hex) of each merged snapshot's signed content: merging the same
            // bytes again is recognised after authentication, without re-applying them.
            try db.execute(sql: "ALTER TABLE merged_snapshots ADD COLUMN content_digest TEXT")
            // Where a merged row came from, kept on the row itself (one B-tree write per
            // merged row instead of two; it goes when the row goes).
            try db.execute(sql: """
                ALTER TABLE observations ADD COLUMN merged_snapshot_id TEXT;
                ALTER TABLE observations ADD COLUMN merged_signer_key_id TEXT;
                ALTER TABLE observations ADD COLUMN merged_at REAL;
                UPDATE observations SET (merged_snapshot_id, merged_signer_key_id, merged_at) =
                    (SELECT snapshot_id, signer_key_id, merged_at FROM observation_provenance p WHERE p.observation_id = observations.id)
                    WHERE id IN (SELECT observation_id FROM observation_provenance);
                DROP TABLE observation_provenance;
                """)
        }
        migrator.registerMigration("v4-ledger-by-signer") { db in
            // A snapshot is known by its signer and its id together: nobody can block or
            // mask another signer's snapshot by reusing its id.
            try db.execute(sql: """
                CREATE TABLE merged_snapshots_v4 (
                    signer_key_id TEXT NOT NULL,
                    snapshot_id TEXT NOT NULL,
                    signer_name TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    merged_at REAL NOT NULL,
                    added INTEGER NOT NULL,
                    unchanged INTEGER NOT NULL,
                    conflicts INTEGER NOT NULL,
                    replaced INTEGER NOT NULL,
                    content_digest TEXT,
                    PRIMARY KEY (signer_key_id, snapshot_id)
                );
                INSERT INTO merged_snapshots_v4
                    SELECT signer_key_id, snapshot_id, signer_name, sequence, created_at, merged_at,
                           added, unchanged, conflicts, replaced, content_digest FROM merged_snapshots;
                DROP TABLE merged_snapshots;
                ALTER TABLE merged_snapshots_v4 RENAME TO merged_snapshots;
                CREATE INDEX merged_snapshots_by_signer ON merged_snapshots(signer_key_id, sequence);
                """)
        }
        migrator.registerMigration("v5-authorship") { db in
            // Who wrote each row: NULL for the store's own user (add, import, edit here),
            // else the key ID of the identity that wrote it (a merged row: its snapshot's
            // signer, for format-1 snapshots). Rows merged before this version take the
            // signer they came from.
            try db.execute(sql: """
                ALTER TABLE observations ADD COLUMN author_key_id TEXT;
                UPDATE observations SET author_key_id = merged_signer_key_id WHERE merged_signer_key_id IS NOT NULL;
                CREATE INDEX observations_by_author ON observations(author_key_id);
                """)
        }
        migrator.registerMigration("v6-tombstones") { db in
            // Deleted ids, kept for good: no merge or import brings them back.
            try db.execute(sql: """
                CREATE TABLE tombstones (
                    id TEXT PRIMARY KEY,
                    author_key_id TEXT,
                    deleted_at REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("v7-author-signatures") { db in
            // Payload 2 (docs/FORMAT.md §4.6): each row keeps its author's signature over
            // its version, made at the first export of a row of the store's own user, or
            // carried in with a merged record; tombstones become signed and travel. A
            // tombstone made before this version of a row by another key stays local
            // (it hides the row here and never travels).
            try db.execute(sql: """
                ALTER TABLE observations ADD COLUMN author_signature BLOB;
                CREATE INDEX observations_unsigned ON observations(seq) WHERE author_signature IS NULL;
                CREATE TABLE tombstones_v7 (
                    id TEXT NOT NULL,
                    author_key_id TEXT,
                    deleted_at REAL NOT NULL,
                    signature BLOB,
                    local INTEGER NOT NULL DEFAULT 0,
                    merged_snapshot_id TEXT,
                    merged_signer_key_id TEXT,
                    merged_at REAL
                );
                INSERT INTO tombstones_v7 (id, author_key_id, deleted_at, local)
                    SELECT id, author_key_id, deleted_at, author_key_id IS NOT NULL FROM tombstones;
                DROP TABLE tombstones;
                ALTER TABLE tombstones_v7 RENAME TO tombstones;
                CREATE INDEX tombstones_by_id ON tombstones(id);
                """)
        }
        migrator.registerMigration("v8-export-chains") { db in
            // Incremental snapshots (docs/FORMAT.md §4.8): every row and tombstone keeps
            // the write generation that wrote it (`observations_generation` after that
            // write), and each export records the generation it saw, so that the next
            // export of the same chain carries only what was written since.
            try db.execute(sql: """
                ALTER TABLE observations ADD COLUMN changed_in INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE tombstones ADD COLUMN changed_in INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX observations_by_change ON observations(changed_in);
                CREATE INDEX tombstones_by_change ON tombstones(changed_in);
                CREATE TABLE exports (
                    snapshot_id TEXT PRIMARY KEY,
                    sequence INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    chain TEXT NOT NULL,
                    change_mark INTEGER NOT NULL,
                    base_snapshot_id TEXT,
                    records INTEGER NOT NULL,
                    tombstones INTEGER NOT NULL
                );
                CREATE INDEX exports_by_chain ON exports(chain, sequence);
                """)
        }
        migrator.registerMigration("v9-fts-automerge") { db in
            // FTS5 merges its segments once 16 share a level instead of 4 (16 is also
            // its crisis-merge point): a 100k merge or import indexes in 1.8 s instead
            // of 2.4 s, and a keyword search reads a few more, smaller segments (the
            // bench's queries: p50 2.7 → 2.9 ms in SQLite).
            try db.execute(sql: "INSERT INTO observations_fts (observations_fts, rank) VALUES ('automerge', 16)")
        }
        migrator.registerMigration("v10-observation-times") { db in
            // Both times of every row in one small index: a snapshot export counts the
            // rows within the time bounds of docs/FORMAT.md §4.7 from it (12 ms at
            // 100k) instead of from the table, whose rows hold the times past their
            // content, often on an overflow page (110 ms: every page read).
            try db.execute(sql: "CREATE INDEX observations_by_times ON observations(created_at, updated_at)")
        }
        return migrator
    }

    /// The generation the current write transaction stamps on the rows and
    /// tombstones it writes (one more than the last committed write's).
    static let nextChangeSQL = "(SELECT value + 1 FROM vault_state WHERE name = 'observations_generation')"

    /// The columns every observation query selects, in `ObservationRow.decode` order.
    static let observationColumns = ObservationColumn.selectList
}
