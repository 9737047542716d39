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
            try db.execute(sql: """
                -- Counts changes to observations, so that caches (the vector index) know
                -- when they are stale. Triggers: no write path can forget it.
                INSERT OR IGNORE INTO vault_state (name, value) VALUES ('observations_generation', 0);
                CREATE TRIGGER observations_generation_insert AFTER INSERT ON observations BEGIN
                    UPDATE vault_state SET value = value + 1 WHERE name = 'observations_generation';
                END;
                CREATE TRIGGER observations_generation_update AFTER UPDATE ON observations BEGIN
                    UPDATE vault_state SET value = value + 1 WHERE name = 'observations_generation';
                END;
                CREATE TRIGGER observations_generation_delete AFTER DELETE ON observations BEGIN
                    UPDATE vault_state SET value = value + 1 WHERE name = 'observations_generation';
                END;
                """)
        }
        return migrator
    }

    /// The columns every observation query selects, in `ObservationRow.decode` order.
    static let observationColumns = """
        id, session_id, project, type, concept, title, content, summary, content_hash, \
        created_at, updated_at, importance_score, tags, metadata, diff, assets, \
        embedding_model, embedding_dim, embedding
        """
}
