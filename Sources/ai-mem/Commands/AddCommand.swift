import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import Vault

struct AddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Remember something: store a new observation and print its id."
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "The text to remember; - reads it from standard input.")
    var text: String

    @Option(help: "The project (default: the current directory's path).")
    var project: String?

    @Option(help: "The type: note, decision, bugfix, discovery, …")
    var type: String = "note"

    @Option(help: "A short title.")
    var title: String?

    @Option(name: .customLong("tag"), help: "A tag (repeatable).")
    var tags: [String] = []

    @Option(name: .customLong("session"), help: "The assistant session this belongs to.")
    var session: String?

    @Option(help: "A concept this observation illustrates.")
    var concept: String?

    @Option(help: ArgumentHelp("Extra data as a JSON object, e.g. '{\"ticket\": \"ATL-12\"}'.", valueName: "json"))
    var metadata: String?

    @Option(help: "Importance between 0 and 1.")
    var importance: Double = 0.5

    @Flag(help: "Print the whole observation as JSON.")
    var json = false

    func validate() throws {
        _ = try metadataObject()
        guard importance.isFinite, (0...1).contains(importance) else {
            throw CommandError("--importance must be between 0 and 1")
        }
    }

    /// `--metadata` as a JSON object (empty when not given).
    func metadataObject() throws -> JSONObject {
        try metadata.map(MetadataArgument.parse) ?? JSONObject()
    }

    func run() throws {
        let content = text == "-" ? try StandardInput.readText() : text
        let metadataObject = try metadataObject()
        let store = try homeOptions.openStore(announcing: true)
        let observation = try store.add(NewObservation(
            content: content, project: project ?? Defaults.project, type: type, title: title, concept: concept,
            sessionID: session, tags: tags, metadata: metadataObject, importanceScore: importance))
        SecretWarnings.warn(observation)
        if json {
            Terminal.json(ObservationText.json(observation, authors: Authors(home: homeOptions.resolved)))
        } else {
            Terminal.out(observation.id)
        }
    }
}

enum StandardInput {
    /// All of standard input as UTF-8 text.
    static func readText() throws -> String {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandError("standard input is not valid UTF-8 text")
        }
        return text
    }
}
