import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List observations, newest first."
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var filterOptions: FilterOptions

    @Option(help: "At most this many (default 50; 0 for all).")
    var limit: Int = 50

    @Option(help: ArgumentHelp("Only observations this author wrote: a keyring name, a key ID, or `me`.", valueName: "name|keyid"))
    var author: String?

    @Flag(help: "Print a JSON array of observations (every field but the vector), each with its author.")
    var json = false

    func validate() throws {
        guard limit >= 0 else { throw CommandError("--limit must not be negative", hint: "--limit 0 lists every observation") }
    }

    func run() throws {
        let store = try homeOptions.openStore()
        let authors = Authors(home: homeOptions.resolved)
        var filter = try filterOptions.filter()
        if let author {
            _ = try KeyStore(home: homeOptions.resolved).keyring()  // a damaged keyring is an error here, not "no such author"
            filter.author = try authors.selector(author)
        }
        let observations = try store.list(filter, limit: limit == 0 ? nil : limit)
        if json {
            Terminal.json(.array(observations.map { ObservationText.json($0, authors: authors) }))
        } else if observations.isEmpty {
            Terminal.err("no observations")
        } else {
            for o in observations { Terminal.out(ObservationText.line(o)) }
        }
    }
}
