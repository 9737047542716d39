import Foundation

/// The ai-mem home directory: `--home DIR`, else `$AI_MEM_HOME`, else `~/.ai-mem`.
public struct Home: Sendable, Equatable {
    public let url: URL

    public init(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let explicit, !explicit.isEmpty {
            url = URL(fileURLWithPath: explicit, isDirectory: true)
        } else if let env = environment["AI_MEM_HOME"], !env.isEmpty {
            url = URL(fileURLWithPath: env, isDirectory: true)
        } else {
            let base = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            url = URL(fileURLWithPath: base, isDirectory: true).appendingPathComponent(".ai-mem", isDirectory: true)
        }
    }

    public var path: String { url.path }
    public var databaseURL: URL { url.appendingPathComponent("memory.sqlite") }

    /// Creates the directory (mode 0700) when it does not exist yet. An existing
    /// home must belong to this user; it is made theirs alone — the directory 0700,
    /// the store's files 0600 — when group or others could reach it (a `mkdir` under
    /// umask 022, or files of an older ai-mem). Key files and the keyring are never
    /// tightened: one that others could read or write is refused where it is read,
    /// so that the user learns of it.
    public func ensureExists() throws(IOError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw IOError(path: path, reason: "the ai-mem home exists and is not a directory", hint: "choose another home with --home or AI_MEM_HOME")
            }
            try makePrivate()
            return
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw IOError(path: path, reason: "cannot create the ai-mem home (\(error.localizedDescription))", hint: "check that its parent directory is writable, or choose another home with --home or AI_MEM_HOME")
        }
    }

    /// Files whose integrity or secrecy is judged where they are read (docs/KEYS.md).
    static let judgedWhereRead: Set<String> = ["identity.key", "keyring.txt"]

    /// The home, `retired-keys/` and the store's files made this user's alone.
    func makePrivate() throws(IOError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw IOError(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_uid == geteuid() else {
            throw IOError(path: path, reason: "the ai-mem home belongs to another user (uid \(info.st_uid))",
                          hint: "use a home of your own: --home DIR or AI_MEM_HOME")
        }
        if info.st_mode & 0o077 != 0, chmod(path, 0o700) != 0 {
            throw IOError(path: path, reason: "cannot make the ai-mem home private (\(String(cString: strerror(errno))))", hint: "chmod 700 \(path)")
        }
        do {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
            for name in names where !Self.judgedWhereRead.contains(name) {
                let file = path + "/" + name
                var entry = stat()
                // Not followed: a symbolic link is left as it is (and refused where ai-mem reads it).
                guard lstat(file, &entry) == 0, entry.st_uid == geteuid(), entry.st_mode & 0o077 != 0 else { continue }
                let kind = entry.st_mode & S_IFMT
                if kind == S_IFREG { _ = chmod(file, 0o600) } else if kind == S_IFDIR { _ = chmod(file, 0o700) }
            }
        }
    }
}
