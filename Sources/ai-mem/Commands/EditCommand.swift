import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Change one of your own memories (the id stays; updated_at moves on).",
        discussion: """
            Only a memory's author changes it: a teammate's memory is refused (add one of your own). \
            The embedding and the keyword and vector indexes follow the new text; your next snapshot \
            carries the new version, which replaces the old one wherever you wrote it.
            """
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "The id, or a unique prefix of at least 4 characters.")
    var id: String

    @Option(help: "The new text; `-` reads it from standard input.")
    var content: String?

    @Option(help: "The new title (empty: none).")
    var title: String?

    @Option(help: "The new type.")
    var type: String?

    @Option(name: .customLong("tag"), help: "The new tags (repeatable; replace every tag).")
    var tags: [String] = []

    @Option(help: "The new metadata, a JSON object (replaces the old).")
    var metadata: String?

    @Flag(help: "Print the edited observation as JSON.")
    var json = false

    func validate() throws {
        _ = try metadataObject()
        guard content != nil || title != nil || type != nil || !tags.isEmpty || metadata != nil else {
            throw CommandError("nothing to change", hint: "give --content, --title, --type, --tag or --metadata")
        }
        if let type, type.isEmpty { throw CommandError("--type must not be empty") }
    }

    func metadataObject() throws -> JSONObject? {
        try metadata.map(MetadataArgument.parse)
    }

    func run() throws {
        let text = content == "-" ? try StandardInput.readText() : content
        let store = try homeOptions.openStore(announcing: true)
        let authors = Authors(home: homeOptions.resolved)
        let change = ObservationEdit(content: text, title: title, type: type, tags: tags.isEmpty ? nil : tags, metadata: try metadataObject())
        let edited: Observation
        do {
            edited = try store.edit(id, change, ownKeyIDs: authors.ownKeyIDs)
        } catch MemoryStoreError.notYourMemory(let id, let author) {
            throw CommandError("\(id) was written by \(authors.describe(author).name) (key \(author)): only its author changes it",
                               hint: "add a memory of your own with `ai-mem add` (it may say what you would change)")
        }
        SecretWarnings.warn(edited)
        if json {
            Terminal.json(ObservationText.json(edited, authors: authors))
        } else {
            Terminal.out("edited \(edited.id)")
        }
    }
}
