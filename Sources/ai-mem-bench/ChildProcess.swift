import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One finished child process: wall time, peak resident memory, exit status.
struct ChildResult {
    var seconds: Double
    var peakRSSBytes: Int
    var status: Int32
    var stderr: String
}

/// Runs programs the way a user would, timing each and reading its peak RSS
/// (`ru_maxrss` of `wait4`), with stdout sent to a file or /dev/null.
enum ChildProcess {
    static func run(_ argv: [String], environment extra: [String: String] = [:], stdout path: String = "/dev/null",
                    scratch: String) throws -> ChildResult {
        let errPath = scratch + "/child-stderr.txt"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let spawned = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, cEnv)
        guard spawned == 0 else { throw BenchError("cannot start \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return ChildResult(seconds: seconds, peakRSSBytes: Int(usage.ru_maxrss) * 1024, status: exit, stderr: stderr)
    }

    /// Runs and requires success.
    @discardableResult
    static func check(_ argv: [String], environment: [String: String] = [:], stdout: String = "/dev/null", scratch: String) throws -> ChildResult {
        let result = try run(argv, environment: environment, stdout: stdout, scratch: scratch)
        guard result.status == 0 else {
            throw BenchError("\(argv.joined(separator: " ")) failed with status \(result.status):\n\(result.stderr)")
        }
        return result
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
