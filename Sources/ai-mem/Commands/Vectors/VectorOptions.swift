import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore

/// When the vectors of records that came without one are computed, with an
/// embedder that `embedsSlowly` (the local model, a server). The records are
/// committed first either way, keyword-searchable at once.
enum VectorTiming: String, ExpressibleByArgument, CaseIterable {
    /// A reindex in a process of its own, started now (the default).
    case background
    /// In this command, after the commit, with progress.
    case now
    /// Not now: `ai-mem reindex` computes them.
    case later
}

/// `--embed`, shared by import, snapshot merge and sync.
struct VectorOptions: ParsableArguments {
    @Option(name: .customLong("embed"), help: ArgumentHelp(
        "When records that came without an embedding get one from a slow embedder (the local model, a server): background (default: a reindex in its own process, started now), now (here, after the commit), later (run `ai-mem reindex`).",
        valueName: "when"))
    var timing: VectorTiming = .background

    /// Follows up on `waiting` records committed without vectors: starts, runs or
    /// names the reindex. Returns what was done, for `--json` reports.
    @discardableResult
    func followUp(waiting: Int, store: MemoryStore, home: Home, quiet: Bool = false) throws -> JSONValue {
        guard waiting > 0 else { return .null }
        let what = "\(waiting) memor\(waiting == 1 ? "y is" : "ies are") stored and keyword-searchable"
        switch timing {
        case .later:
            if !quiet {
                Terminal.notice("\(what); \(waiting == 1 ? "it has" : "they have") no vector yet, so semantic search leaves \(waiting == 1 ? "it" : "them") out")
                Terminal.hint("run `ai-mem reindex --missing` (or `ai-mem reindex --background`) to compute \(waiting == 1 ? "it" : "them") with \(store.embedder.modelID)")
            }
            return .object(JSONObject(["waiting": .int(waiting), "embedding": .string("later")]))
        case .background:
            if let pid = try BackgroundReindex.start(home: home, scope: .missing) {
                if !quiet {
                    Terminal.notice("\(what); \(waiting == 1 ? "its vector is" : "their vectors are") being computed in the background with \(store.embedder.modelID) (pid \(pid)); `ai-mem reindex --status` shows how far it is")
                }
                return .object(JSONObject(["waiting": .int(waiting), "embedding": .string("background"), "pid": .int(Int(pid))]))
            }
            if !quiet {
                Terminal.notice("\(what); the background reindex already running computes \(waiting == 1 ? "its vector" : "their vectors") too (`ai-mem reindex --status`)")
            }
            return .object(JSONObject(["waiting": .int(waiting), "embedding": .string("background")]))
        case .now:
            let report = try ReindexCommand.runInForeground(store: store, home: home, scope: .missing, label: "embedding")
            return .object(JSONObject(["waiting": .int(waiting), "embedding": .string("now"), "embedded": .int(report.reembedded)]))
        }
    }
}

extension ReindexJob.Status {
    /// "45% (900 of 2000), 31/s, about 1 min left" and the like.
    var progressText: String {
        let percent = total > 0 ? Int(Double(done) / Double(total) * 100) : 100
        var text = "\(percent)% (\(done) of \(total))"
        if rate > 0 { text += String(format: ", %.0f/s", rate) }
        if let left = secondsLeft { text += ", about \(Self.duration(left)) left" }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 90 { return "\(max(1, Int(seconds.rounded()))) s" }
        if seconds < 90 * 60 { return "\(Int((seconds / 60).rounded())) min" }
        return String(format: "%.1f h", seconds / 3600)
    }
}
