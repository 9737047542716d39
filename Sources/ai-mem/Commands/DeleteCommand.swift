import AIMemCore
import ArgumentParser
import MemoryStore

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Forget one observation."
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "The id, or a unique prefix of at least 4 characters.")
    var id: String

    @Flag(help: "Print {\"deleted\": id} as JSON.")
    var json = false

    func run() throws {
        let deleted = try homeOptions.openStore().delete(id)
        if json {
            Terminal.json(.object(JSONObject(["deleted": .string(deleted.id)])))
        } else {
            Terminal.out("deleted \(deleted.id)")
        }
    }
}
