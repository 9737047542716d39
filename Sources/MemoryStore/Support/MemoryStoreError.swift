/// Errors of the memory store, its import and its export.
public enum MemoryStoreError: UserFacingError, Equatable {
    case cannotOpenStore(path: String, reason: String)
    case newerSchema(path: String, version: Int, supported: Int)
    case notFound(id: String)
    case ambiguousID(prefix: String, matches: Int)
    case emptyContent
    case invalidArgument(String, hint: String?)
    /// A file could not be read as import input (syntax, encoding, shape); nothing was imported.
    case importRejected(source: String, line: Int?, reason: String)
    case io(path: String, reason: String)
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
        case .invalidArgument(let text, _):
            return text
        case .importRejected(let source, let line, let reason):
            if let line { return "\(source): line \(line): \(reason); nothing was imported" }
            return "\(source): \(reason); nothing was imported"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .busy(let path):
            return "the memory store at \(path) is busy: another ai-mem is writing to it"
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
        case .invalidArgument(_, let hint):
            return hint
        case .importRejected:
            return "fix the file (or remove the line) and import again; the store was not changed"
        case .io:
            return nil
        case .busy:
            return "wait for the other merge or import to finish, then try again"
        case .corrupt:
            return "restore it from a snapshot backup (`ai-mem snapshot merge` into a fresh home)"
        }
    }
}
