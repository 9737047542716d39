import AIMemCore
/// Errors of the memory store, its import and its export.
public enum MemoryStoreError: UserFacingError, Equatable {
    case cannotOpenStore(path: String, reason: String)
    case newerSchema(path: String, version: Int, supported: Int)
    case notFound(id: String)
    case ambiguousID(prefix: String, matches: Int)
    case emptyContent
    /// A stored row that cannot be read back (a damaged database).
    case corruptRow(reason: String)
    /// `edit` of a memory someone else wrote.
    case notYourMemory(id: String, author: String)
    /// `add` with an id the store already holds.
    case idExists(String)
    case invalidID(String)
    /// `import` given an encrypted snapshot.
    case encryptedSnapshotGiven(source: String)
    /// The embedder gave no dimension or vectors of the wrong size or with non-finite values (`reindex`, `add`).
    case embedderMisbehaved(model: String, reason: String)
    /// A file could not be read as import input (syntax, encoding, shape); nothing was imported.
    case importRejected(source: String, line: Int?, reason: String)
    /// SQLite reported an error other than "busy" (a constraint, a full disk, a damaged file).
    case database(path: String, reason: String)
    case busy(path: String)
    case corrupt(path: String, problems: Int)

    public var message: String {
        switch self {
        case .cannotOpenStore(let path, let reason):
            return "cannot open the memory store at \(path): \(reason)"
        case .newerSchema(let path, let version, let supported):
            return "the memory store at \(path) has schema version \(version); this ai-mem understands up to \(supported)"
        case .notFound(let id):
            return "no observation with id \(id)"
        case .ambiguousID(let prefix, let matches):
            return "id prefix \(prefix) matches \(matches) observations"
        case .emptyContent:
            return "the content is empty"
        case .corruptRow(let reason):
            return "a stored observation cannot be read: \(reason)"
        case .notYourMemory(let id, let author):
            return "\(id) was written by key \(author): only its author changes it"
        case .idExists(let id):
            return "an observation with id \(id) already exists"
        case .invalidID:
            return "an id must be 1 to 200 bytes of UTF-8 without U+0000"
        case .encryptedSnapshotGiven(let source):
            return "\(source) is an encrypted snapshot, not a plain export"
        case .embedderMisbehaved(let model, let reason):
            return "the embedder \(model) \(reason)"
        case .importRejected(let source, let line, let reason):
            if let line { return "\(source): line \(line): \(reason); nothing was imported" }
            return "\(source): \(reason); nothing was imported"
        case .database(let path, let reason):
            return "the memory store at \(path) reported an error: \(reason)"
        case .busy(let path):
            return "store busy: another ai-mem is writing to the memory store at \(path) (a merge or an import), and it did not finish in time"
        case .corrupt(let path, let problems):
            return "the memory store at \(path) has \(problems) integrity problem(s)"
        }
    }

    public var hint: String? {
        switch self {
        case .cannotOpenStore:
            return "check that the home directory is writable, or choose another with --home or AI_MEM_HOME"
        case .newerSchema:
            return "upgrade ai-mem to read this store"
        case .notFound:
            return "`ai-mem list` shows the ids in this store"
        case .ambiguousID:
            return "give more characters of the id"
        case .emptyContent:
            return "pass the text as an argument, or `-` to read it from standard input"
        case .corruptRow:
            return "run `ai-mem check`; restore the store from a snapshot backup if it reports problems"
        case .notYourMemory:
            return "add a memory of your own with `ai-mem add` (it may say what you would change)"
        case .idExists:
            return "`ai-mem show ID` prints it; leave the id out to get a new one"
        case .invalidID:
            return "leave the id out to get a new one"
        case .encryptedSnapshotGiven(let source):
            return "merge it with `ai-mem snapshot merge \(source)`"
        case .embedderMisbehaved:
            return "check the embedder settings (`ai-mem config`); nothing was changed by the batch that failed"
        case .importRejected:
            return "fix the file (or remove the line) and import again; the store was not changed"
        case .database:
            return "run `ai-mem check`; if it reports problems, restore the store from a snapshot backup"
        case .busy:
            return "nothing was changed; try again when it has finished (AI_MEM_BUSY_TIMEOUT sets how many seconds to wait, 600 by default)"
        case .corrupt:
            return "restore it from a snapshot backup (`ai-mem snapshot merge` into a fresh home)"
        }
    }
}
