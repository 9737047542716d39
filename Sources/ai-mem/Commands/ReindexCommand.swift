import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore

struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Compute the vectors of observations that have none of the current embedder's model.",
        discussion: """
            Semantic search compares only vectors of the current embedder's model (see \
            `ai-mem stats` and `ai-mem config`). After the model changes, or after merging \
            or importing observations embedded by another model or by none, reindex computes \
            their vectors. Work is committed every \(MemoryStore.reindexBatch) observations: \
            an interrupted reindex keeps what it finished, and running it again goes on. \
            With a slow embedder (the local model, a server), import, snapshot merge and sync \
            commit their records first and start `reindex --background` for those that came \
            without a vector (see their --embed). One reindex runs at a time per home.
            """
    )

    @OptionGroup var homeOptions: HomeOptions

    @Flag(help: "Re-embed every observation, even those already of the current model.")
    var all = false

    @Flag(help: "Only observations without any embedding (what an import or merge left for later).")
    var missing = false

    @Flag(help: "Run in a process of its own and return at once; `--status` shows how far it is.")
    var background = false

    @Flag(help: "Say whether a background reindex runs, how far it is, and how many observations wait.")
    var status = false

    /// The detached process itself (started by `--background` and by imports).
    @Flag(help: .hidden)
    var job = false

    @Option(help: .hidden)
    var scope: ReindexScope?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard !(all && missing) else { throw ValidationError("--all and --missing choose different observations; give one") }
        guard [background, status, job].filter({ $0 }).count <= 1 else { throw ValidationError("give one of --background and --status") }
    }

    var chosenScope: ReindexScope { scope ?? (all ? .all : missing ? .missing : .stale) }

    func run() throws {
        let home = homeOptions.resolved
        if status { return try showStatus(home: home) }
        if job { return try runJob(home: home) }
        if background {
            let store = try homeOptions.openStore()
            let pid = try BackgroundReindex.start(home: home, scope: chosenScope)
            if json {
                Terminal.json(.object(JSONObject(["started": .bool(pid != nil), "pid": pid.map { .int(Int($0)) } ?? .null,
                                                  "waiting": .int(try store.memoriesWithoutVectors())])))
            } else if let pid {
                Terminal.out("reindex started in the background (pid \(pid)); `ai-mem reindex --status` shows how far it is")
            } else {
                Terminal.out("a background reindex is already running; `ai-mem reindex --status` shows how far it is")
            }
            return
        }
        let store = try homeOptions.openStore(announcing: true)
        let report = try Self.runInForeground(store: store, home: home, scope: chosenScope, label: "re-embedding")
        if json {
            Terminal.json(.object(JSONObject([
                "model": .string(report.model),
                "dimension": .int(report.dimension),
                "reembedded": .int(report.reembedded),
                "already_current": .int(report.alreadyCurrent),
                "changed_meanwhile": .int(report.changedMeanwhile),
                "previous_models": .object(JSONObject(report.previousModels.keys.sorted().map {
                    JSONObject.Member(key: $0, value: .int(report.previousModels[$0]!))
                })),
            ])))
        } else if report.reembedded == 0 {
            Terminal.out("all \(report.alreadyCurrent) observations already have \(chosenScope == .missing ? "embeddings" : "\(report.model) embeddings")")
        } else {
            let from = report.previousModels.keys.sorted().map { "\($0) \(report.previousModels[$0]!)" }.joined(separator: ", ")
            Terminal.out("re-embedded \(report.reembedded) observations with \(report.model) (\(report.dimension)-d; they had: \(from)); \(report.alreadyCurrent) were already current")
        }
    }

    /// Reindexes here with a progress line, holding the home's reindex lock.
    static func runInForeground(store: MemoryStore, home: Home, scope: ReindexScope, label: String) throws -> ReindexReport {
        guard let lock = try ReindexJob.acquire(home) else {
            let running = ReindexJob.status(home)
            throw CommandError("a background reindex is running\(running.map { " (pid \($0.pid), \($0.progressText))" } ?? "")",
                               hint: "wait for it (`ai-mem reindex --status`), or stop it (kill \(running.map { String($0.pid) } ?? "its pid")) and run this again")
        }
        defer { lock.release() }
        let progress = ProgressLine(label)
        defer { progress.finish() }
        return try store.reindex(scope) { done, total in progress.update(done, total: total) }
    }

    private func showStatus(home: Home) throws {
        let store = try homeOptions.openStore()
        let waiting = try store.memoriesWithoutVectors()
        let last = ReindexJob.status(home)
        if json {
            Terminal.json(.object(JSONObject([
                "running": .bool(last?.state == .running),
                "waiting": .int(waiting),
                "model": .string(store.embedder.modelID),
                "last": last?.json ?? .null,
            ])))
            return
        }
        let waitingText = "\(waiting) observation\(waiting == 1 ? "" : "s") without a vector of \(store.embedder.modelID)"
        guard let last else {
            Terminal.out("no background reindex has run here; \(waitingText)")
            return
        }
        switch last.state {
        case .running:
            Terminal.out("background reindex running (pid \(last.pid), \(last.model)): \(last.progressText); \(waitingText)")
        case .finished:
            Terminal.out("background reindex finished at \(Self.time(last.updatedAt)): \(last.done) embedded with \(last.model); \(waitingText)")
        case .failed:
            Terminal.out("background reindex stopped at \(Self.time(last.updatedAt)) after \(last.done) of \(last.total): \(last.error ?? "unknown reason"); \(waitingText)")
        }
    }

    static func time(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// The detached job: holds the lock, reports its progress, and goes on while
    /// records without vectors keep arriving.
    private func runJob(home: Home) throws {
        let scope = chosenScope
        // Rounds: each embeds what waits when it starts; a bound keeps a store that
        // never stops receiving rows from keeping the job forever.
        for _ in 0..<100 {
            guard let lock = try ReindexJob.acquire(home) else { return }  // another one runs: it will see these rows too
            let store = try homeOptions.openStore()
            let started = Date().timeIntervalSince1970
            var status = ReindexJob.Status(state: .running, pid: getpid(), scope: scope, model: store.embedder.modelID,
                                           startedAt: started, updatedAt: started, done: 0, total: 0, rate: 0)
            try? ReindexJob.write(status, to: home)
            var lastWrite = 0.0
            do {
                let report = try store.reindex(scope) { done, total in
                    let now = Date().timeIntervalSince1970
                    status.done = done
                    status.total = total
                    status.updatedAt = now
                    status.rate = now > started ? Double(done) / (now - started) : 0
                    if now - lastWrite >= 0.5 || done == total {
                        lastWrite = now
                        try? ReindexJob.write(status, to: home)
                    }
                }
                status.state = .finished
                status.done = report.reembedded
                status.updatedAt = Date().timeIntervalSince1970
                try? ReindexJob.write(status, to: home)
            } catch {
                status.state = .failed
                status.error = (error as? any UserFacingError)?.message ?? "\(error)"
                status.updatedAt = Date().timeIntervalSince1970
                try? ReindexJob.write(status, to: home)
                throw error
            }
            lock.release()
            // Records committed while the lock was held relied on this job: look again once it is released.
            guard scope == .missing, try store.memoriesWithoutEmbedding() > 0 else { return }
        }
    }
}

extension ReindexScope: ExpressibleByArgument {}
