import ArgumentParser
import Foundation
import MemoryStore

/// `--home`, accepted by every command.
struct HomeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ai-mem home directory (default: $AI_MEM_HOME, else ~/.ai-mem).", valueName: "dir"))
    var home: String?

    var resolved: Home { Home(explicit: home) }

    func openStore() throws -> MemoryStore {
        try MemoryStore(home: resolved)
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

    func filter() throws -> ObservationFilter {
        var sinceEpoch: Double? = nil
        if let since {
            guard let value = DateParsing.since(since) else {
                throw MemoryStoreError.invalidArgument("cannot read --since \(since)", hint: "use a date such as 2026-11-01, an ISO 8601 time, epoch seconds, or a duration such as 7d, 12h or 30m")
            }
            sinceEpoch = value
        }
        return ObservationFilter(project: project, type: type, tags: tags, since: sinceEpoch)
    }
}

enum Defaults {
    /// As in ai-mem: the current directory's path.
    static var project: String { FileManager.default.currentDirectoryPath }
}
