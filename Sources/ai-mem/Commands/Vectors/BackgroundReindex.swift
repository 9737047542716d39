import AIMemCore
import Foundation
import Glibc
import MemoryStore

/// Starts `ai-mem reindex --job` as a process of its own, as `git gc --auto`
/// detaches: a new session (no terminal, so closing one does not stop it), its
/// standard streams on /dev/null, the default signal dispositions and an empty
/// signal mask, and this process's environment (so the same embedder settings).
/// It reports to `reindex-status.json` in the home (`ReindexJob`).
enum BackgroundReindex {
    /// glibc's `POSIX_SPAWN_SETSID` (2.26 and later), which Swift does not import.
    static let setSessionFlag: Int32 = 0x80

    /// The running program (`/proc/self/exe`).
    static func executablePath() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw CommandError("cannot find the ai-mem program to start a background reindex: \(String(cString: strerror(errno)))") }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts the job for `home`; returns its process id, or nil when one already runs.
    @discardableResult
    static func start(home: Home, scope: ReindexScope) throws -> Int32? {
        if ReindexJob.isRunning(home) { return nil }
        let program = try executablePath()
        let arguments = [program, "reindex", "--job", "--scope", scope.rawValue, "--home", home.path]
        var attributes = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()
        guard posix_spawnattr_init(&attributes) == 0 else { throw CommandError("cannot start a background reindex (posix_spawnattr_init)") }
        defer { posix_spawnattr_destroy(&attributes) }
        guard posix_spawn_file_actions_init(&actions) == 0 else { throw CommandError("cannot start a background reindex (posix_spawn_file_actions_init)") }
        defer { posix_spawn_file_actions_destroy(&actions) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        let flags = Self.setSessionFlag | Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        guard posix_spawnattr_setflags(&attributes, Int16(flags)) == 0,
              posix_spawnattr_setsigmask(&attributes, &empty) == 0,
              posix_spawnattr_setsigdefault(&attributes, &defaults) == 0 else {
            throw CommandError("cannot start a background reindex (posix_spawnattr)")
        }
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] {
            guard posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0) == 0 else {
                throw CommandError("cannot start a background reindex (posix_spawn_file_actions)")
            }
        }
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, program, &actions, &attributes, &argv, environ)
        guard result == 0 else {
            throw CommandError("cannot start a background reindex: \(String(cString: strerror(result)))", hint: "run `ai-mem reindex` yourself")
        }
        return pid
    }
}
