import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Forget one observation, or every observation one author wrote.",
        discussion: """
            After revoking a teammate, `ai-mem delete --author NAME --dry-run` shows what they \
            brought into your store, and `ai-mem delete --author NAME` removes it.
            """
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "The id, or a unique prefix of at least 4 characters.")
    var id: String?

    @Option(help: ArgumentHelp("Forget every observation this author wrote: a keyring name or a key ID.", valueName: "name|keyid"))
    var author: String?

    @Flag(help: "With --author: list what would be forgotten, change nothing.")
    var dryRun = false

    @Flag(help: "Print {\"deleted\": id} as JSON; with --author, {\"deleted\": [ids], \"count\": n, \"dry_run\": …}.")
    var json = false

    func validate() throws {
        switch (id, author) {
        case (nil, nil): throw CommandError("give an id, or --author NAME", hint: "`ai-mem list` shows the ids; `ai-mem list --author NAME` an author's")
        case (.some, .some): throw CommandError("give an id or --author, not both")
        case (.some, nil) where dryRun: throw CommandError("--dry-run goes with --author", hint: "`ai-mem show ID` shows what `delete ID` would forget")
        default: break
        }
        if author == "me" || author == "you" {
            throw CommandError("--author me would forget your own memories", hint: "delete them one by one with `ai-mem delete ID`")
        }
    }

    func run() throws {
        let store = try homeOptions.openStore()
        guard let author else {
            let deleted = try store.delete(id!, ownKeyIDs: Authors(home: homeOptions.resolved).ownKeyIDs)
            if json {
                Terminal.json(.object(JSONObject(["deleted": .string(deleted.id)])))
            } else {
                Terminal.out("deleted \(deleted.id)")
            }
            return
        }
        _ = try KeyStore(home: homeOptions.resolved).keyring()  // a damaged keyring is an error here, not "no such author"
        let authors = Authors(home: homeOptions.resolved)
        let selector = try authors.selector(author)
        var filter = ObservationFilter()
        filter.author = selector
        let ids = try store.deleteAll(matching: filter, ownKeyIDs: authors.ownKeyIDs, dryRun: dryRun)
        let who = authors.describe(selector.keyID).name
        if json {
            Terminal.json(.object(JSONObject(["deleted": .array(ids.map(JSONValue.string)), "count": .int(ids.count), "dry_run": .bool(dryRun)])))
        } else if dryRun {
            Terminal.out("\(ids.count) observation\(ids.count == 1 ? "" : "s") written by \(who) would be deleted; nothing was changed")
            for id in ids { Terminal.out(id) }
        } else {
            Terminal.out("deleted \(ids.count) observation\(ids.count == 1 ? "" : "s") written by \(who)")
        }
    }
}
