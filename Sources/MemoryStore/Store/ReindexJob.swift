import AIMemCore
import Foundation

/// The reindex that runs in the background after an import or merge left records
/// without vectors: one at a time per home (an exclusive `flock` on
/// `.reindex.lock`), reporting to `reindex-status.json` in the home, which
/// `ai-mem reindex --status`, `stats` and semantic search read.
///
/// The status file is written whole (a new file renamed into place) and read as
/// hostile input: it must be this user's own regular file, at most 64 KiB, and
/// every member of the expected type, or it is ignored.
public enum ReindexJob {
    public static let statusFileName = "reindex-status.json"
    public static let lockFileName = ".reindex.lock"
    static let statusLimit = 64 << 10

    /// What the background reindex last reported.
    public struct Status: Sendable, Equatable {
        public enum State: String, Sendable {
            case running, finished, failed
        }

        public var state: State
        public var pid: Int32
        public var scope: ReindexScope
        public var model: String
        public var startedAt: Double
        public var updatedAt: Double
        public var done: Int
        public var total: Int
        /// Observations embedded per second so far.
        public var rate: Double
        /// Why it failed (`failed` only).
        public var error: String?

        public init(state: State, pid: Int32, scope: ReindexScope, model: String, startedAt: Double, updatedAt: Double,
                    done: Int, total: Int, rate: Double, error: String? = nil) {
            (self.state, self.pid, self.scope, self.model, self.startedAt, self.updatedAt) = (state, pid, scope, model, startedAt, updatedAt)
            (self.done, self.total, self.rate, self.error) = (done, total, rate, error)
        }

        /// Seconds until the rest is embedded at the rate so far; nil when unknown.
        public var secondsLeft: Double? {
            guard state == .running, rate > 0, total >= done else { return nil }
            return Double(total - done) / rate
        }

        public var json: JSONValue {
            var members: [JSONObject.Member] = [
                .init(key: "state", value: .string(state.rawValue)),
                .init(key: "pid", value: .int(Int(pid))),
                .init(key: "scope", value: .string(scope.rawValue)),
                .init(key: "model", value: .string(model)),
                .init(key: "started_at", value: .double(startedAt) ?? .null),
                .init(key: "updated_at", value: .double(updatedAt) ?? .null),
                .init(key: "done", value: .int(done)),
                .init(key: "total", value: .int(total)),
                .init(key: "rate", value: .double(rate) ?? .null),
                .init(key: "seconds_left", value: secondsLeft.flatMap { .double($0) } ?? .null),
            ]
            if let error { members.append(.init(key: "error", value: .string(error))) }
            return .object(JSONObject(members))
        }

        /// The status from its JSON; nil when anything is missing, of another type or out of range.
        public init?(json value: JSONValue) {
            guard let o = value.objectValue,
                  let state = o["state"]?.stringValue.flatMap(State.init(rawValue:)),
                  let pid = o["pid"]?.doubleValue, let pid32 = Int32(exactly: pid), pid32 > 0,
                  let scope = o["scope"]?.stringValue.flatMap(ReindexScope.init(rawValue:)),
                  let model = o["model"]?.stringValue, model.utf8.count <= 200,
                  let startedAt = o["started_at"]?.doubleValue, startedAt.isFinite,
                  let updatedAt = o["updated_at"]?.doubleValue, updatedAt.isFinite,
                  let done = o["done"]?.doubleValue.flatMap({ Int(exactly: $0) }), done >= 0,
                  let total = o["total"]?.doubleValue.flatMap({ Int(exactly: $0) }), total >= 0,
                  let rate = o["rate"]?.doubleValue, rate.isFinite, rate >= 0 else { return nil }
            let error = o["error"]?.stringValue
            if o["error"] != nil, error == nil { return nil }
            self.init(state: state, pid: pid32, scope: scope, model: model, startedAt: startedAt, updatedAt: updatedAt,
                      done: done, total: total, rate: rate, error: error.map { String($0.prefix(2000)) })
        }
    }

    /// The lock held by the running job; released when this value is dropped (or the process ends).
    public final class Lock: @unchecked Sendable {
        private var fd: Int32
        init(fd: Int32) { self.fd = fd }
        /// Lets another process take it (also when this value is dropped).
        public func release() {
            if fd >= 0 { close(fd) }
            fd = -1
        }
        deinit { release() }
    }

    static func lockPath(_ home: Home) -> String { home.url.appendingPathComponent(lockFileName).path }
    static func statusPath(_ home: Home) -> String { home.url.appendingPathComponent(statusFileName).path }

    /// Takes the job's lock, or returns nil when another process holds it.
    public static func acquire(_ home: Home) throws -> Lock? {
        let path = lockPath(home)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw IOError(path: path, reason: "cannot open the reindex lock: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return Lock(fd: fd)
    }

    /// Whether a background reindex holds the lock now.
    public static func isRunning(_ home: Home) -> Bool {
        let fd = open(lockPath(home), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_SH | LOCK_NB) != 0
    }

    /// The last status written, or nil when there is none (or it is not usable).
    /// A `running` status whose process no longer holds the lock is reported as failed.
    public static func status(_ home: Home) -> Status? {
        guard let bytes = try? OwnedFile.read(statusPath(home), limit: statusLimit, secret: false),
              let value = try? JSONParser.parse(bytes), var status = Status(json: value) else { return nil }
        if status.state == .running, !isRunning(home) {
            status.state = .failed
            status.error = status.error ?? "it stopped before finishing (killed, or the machine restarted); run `ai-mem reindex` to go on"
        }
        return status
    }

    /// Replaces the status file.
    public static func write(_ status: Status, to home: Home) throws {
        try OutputDestination.file(statusPath(home)).write { sink in
            try sink.write(Array((JSONWriter.string(status.json) + "\n").utf8))
        }
    }
}
