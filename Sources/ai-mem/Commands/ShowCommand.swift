import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one observation in full."
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "The id, or a unique prefix of at least 4 characters.")
    var id: String

    @Flag(help: "Print the observation as JSON.")
    var json = false

    func run() throws {
        let store = try homeOptions.openStore()
        let observation = try store.observation(id)
        let authors = Authors(home: homeOptions.resolved)
        let provenance = try store.provenance(of: observation.id)
        if json {
            Terminal.json(ObservationText.json(observation, authors: authors, provenance: provenance))
        } else {
            Terminal.out(ObservationText.full(observation, authors: authors, provenance: provenance))
        }
    }
}
