import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import SentenceEmbedding

/// `--home`, accepted by every command.
struct HomeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ai-mem home directory (default: $AI_MEM_HOME, else ~/.ai-mem).", valueName: "dir"))
    var home: String?

    var resolved: Home { Home(explicit: home) }

    /// Opens the store with the embedder the settings choose (`ai-mem config`).
    /// Commands that embed pass `announcing: true`: when the local model is
    /// missing they say, in one line, that the lexical embedder stands in.
    func openStore(announcing: Bool = false) throws -> MemoryStore {
        let home = resolved
        let selection = try EmbedderSelection.make(EmbedderSettings.request(home: home))
        if announcing, let notice = selection.notice { Terminal.notice(notice) }
        return try MemoryStore(home: home, embedder: selection.embedder, busyWait: Self.busyWait, onBusy: {
            Terminal.notice("another ai-mem is writing to the store (a merge or an import); waiting for it to finish…")
        })
    }

    /// `AI_MEM_BUSY_TIMEOUT` (seconds, 0 or more), else 10 minutes: how long a write waits for another process's.
    static var busyWait: TimeInterval {
        if let text = ProcessInfo.processInfo.environment["AI_MEM_BUSY_TIMEOUT"], let seconds = Double(text), seconds.isFinite, seconds >= 0 {
            return seconds
        }
        return MemoryStore.defaultBusyWait
    }
}

/// `--project/--type/--tag/--since`, shared by list and export.
struct FilterOptions: ParsableArguments {
    @Option(help: "Only this project.")
    var project: String?

    @Option(help: "Only this type (note, decision, bugfix, …).")
    var type: String?

    @Option(name: .customLong("tag"), help: "Only observations with this tag (repeatable: all must match).")
    var tags: [String] = []

    @Option(help: ArgumentHelp("Only observations created since DATE: 2026-11-01, an ISO 8601 time, epoch seconds, or 7d / 12h / 30m.", valueName: "date"))
    var since: String?

    func validate() throws {
        _ = try filter()
    }

    func filter() throws -> ObservationFilter {
        var sinceEpoch: Double? = nil
        if let since {
            guard let value = DateParsing.since(since) else {
                throw CommandError("cannot read --since \(since)", hint: "use a date such as 2026-11-01, an ISO 8601 time, epoch seconds, or a duration such as 7d, 12h or 30m")
            }
            sinceEpoch = value
        }
        return ObservationFilter(project: project, type: type, tags: tags, since: sinceEpoch)
    }
}

/// `--metadata JSON` (add, edit): a JSON object.
enum MetadataArgument {
    static func parse(_ text: String) throws -> JSONObject {
        guard case .object(let object)? = try? JSONParser.parse(text) else {
            throw CommandError("--metadata is not a JSON object", hint: "pass an object such as '{\"key\": \"value\"}'")
        }
        return object
    }
}

enum Defaults {
    /// As in ai-mem: the current directory's path.
    static var project: String { FileManager.default.currentDirectoryPath }
}
