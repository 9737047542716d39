import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import SentenceEmbedding

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or change settings (the embedder), kept in config.json in the ai-mem home.",
        discussion: """
            Keys: \(EmbedderSettings.all.map { "\n  \($0.name) — \($0.summary) (environment: \($0.environment))" }.joined())
            An environment variable overrides the file. An API key for the http embedder is \
            read from AI_MEM_EMBED_API_KEY only, never stored.
            """,
        subcommands: [List.self, Get.self, Set.self, Unset.self],
        defaultSubcommand: List.self
    )

    static func key(_ name: String) throws -> EmbedderSettings.Key {
        guard let key = EmbedderSettings.key(named: name) else {
            throw CommandError("unknown setting \(name)", hint: "known settings: \(EmbedderSettings.all.map(\.name).joined(separator: ", "))")
        }
        return key
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every setting, its value and where it comes from.")
        @OptionGroup var homeOptions: HomeOptions
        @Flag(help: "Print the settings as JSON.") var json = false

        func run() throws {
            let settings = try SettingsFile(home: homeOptions.resolved)
            let environment = ProcessInfo.processInfo.environment
            let values = EmbedderSettings.all.map { ($0, EmbedderSettings.value($0, settings: settings, environment: environment)) }
            if json {
                Terminal.json(.object(JSONObject(values.map { key, value in
                    JSONObject.Member(key: key.name, value: .object(JSONObject([
                        "value": value.text.map(JSONValue.string) ?? .null,
                        "source": .string(value.source),
                    ])))
                })))
            } else {
                for (key, value) in values {
                    Terminal.out("\(key.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(value.text ?? "(unset)")  [\(value.source)]")
                }
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one setting's value (nothing when unset).")
        @OptionGroup var homeOptions: HomeOptions
        @Argument(help: "The setting, e.g. embedder.") var key: String

        func validate() throws { _ = try ConfigCommand.key(key) }

        func run() throws {
            let key = try ConfigCommand.key(key)
            let value = EmbedderSettings.value(key, settings: try SettingsFile(home: homeOptions.resolved), environment: ProcessInfo.processInfo.environment)
            if let text = value.text { Terminal.out(text) }
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change one setting in config.json.")
        @OptionGroup var homeOptions: HomeOptions
        @Argument(help: "The setting, e.g. embedder.") var key: String
        @Argument(help: "Its new value.") var value: String

        func validate() throws {
            let key = try ConfigCommand.key(key)
            if let problem = key.problem(with: value) {
                throw CommandError("\(key.name) \(problem)", hint: key.summary)
            }
        }

        func run() throws {
            let key = try ConfigCommand.key(key)
            let home = homeOptions.resolved
            try home.ensureExists()
            var settings = try SettingsFile(home: home)
            settings[key.name] = value
            try settings.save()
            if let env = ProcessInfo.processInfo.environment[key.environment], !env.isEmpty {
                Terminal.warning("\(key.environment) is set and overrides this setting")
            }
            if key.name == EmbedderSettings.embedder.name || key.name == EmbedderSettings.model.name {
                Terminal.err("ai-mem: hint: observations embedded by another model are not searchable by meaning until `ai-mem reindex`")
            }
        }
    }

    struct Unset: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove one setting from config.json (back to its default).")
        @OptionGroup var homeOptions: HomeOptions
        @Argument(help: "The setting, e.g. embedder.url.") var key: String

        func validate() throws { _ = try ConfigCommand.key(key) }

        func run() throws {
            let key = try ConfigCommand.key(key)
            let home = homeOptions.resolved
            var settings = try SettingsFile(home: home)
            guard settings[key.name] != nil else { return }
            settings[key.name] = nil
            try settings.save()
        }
    }
}
