import ArgumentParser
import Foundation
import MemoryStore

@main
struct AIMem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ai-mem",
        abstract: "A local-first long-term memory for AI assistants, with an encrypted, signed snapshot vault.",
        version: "0.1.0",
        subcommands: [
            AddCommand.self, SearchCommand.self, ListCommand.self, ShowCommand.self, DeleteCommand.self,
            StatsCommand.self, CheckCommand.self, ReindexCommand.self, ConfigCommand.self, ImportCommand.self, ExportCommand.self, KeysCommand.self, SnapshotCommand.self,
        ]
    )

    /// Parses, runs, and reports errors as `ai-mem: error: …` / `ai-mem: hint: …`.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as UserFacingError {
            Terminal.error(error.message, hint: error.hint)
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}
