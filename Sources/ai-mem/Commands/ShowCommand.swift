import AIMemCore
import ArgumentParser
import MemoryStore

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
        let observation = try homeOptions.openStore().observation(id)
        if json {
            Terminal.json(ObservationText.json(observation))
        } else {
            Terminal.out(ObservationText.full(observation))
        }
    }
}
