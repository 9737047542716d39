import AIMemCore
import ArgumentParser
import MemoryStore

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List observations, newest first."
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var filterOptions: FilterOptions

    @Option(help: "At most this many (default 50; 0 for all).")
    var limit: Int = 50

    @Flag(help: "Print a JSON array of observations (every field but the vector).")
    var json = false

    func validate() throws {
        guard limit >= 0 else { throw CommandError("--limit must not be negative", hint: "--limit 0 lists every observation") }
    }

    func run() throws {
        let store = try homeOptions.openStore()
        let observations = try store.list(try filterOptions.filter(), limit: limit == 0 ? nil : limit)
        if json {
            Terminal.json(.array(observations.map(ObservationText.json)))
        } else if observations.isEmpty {
            Terminal.err("no observations")
        } else {
            for o in observations { Terminal.out(ObservationText.line(o)) }
        }
    }
}
