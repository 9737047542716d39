import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import Sodium

@main
struct AIMem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ai-mem",
        abstract: "A local-first long-term memory for AI assistants, with an encrypted, signed snapshot vault.",
        version: "0.1.0",
        subcommands: [
            AddCommand.self, EditCommand.self, SearchCommand.self, ListCommand.self, ShowCommand.self, DeleteCommand.self,
            StatsCommand.self, ScanCommand.self, RedactCommand.self, CheckCommand.self, ReindexCommand.self, ConfigCommand.self, ImportCommand.self, ExportCommand.self, KeysCommand.self, SnapshotCommand.self, SyncCommand.self, MCPCommand.self,
        ]
    )

    /// Parses, runs, and reports errors as `ai-mem: error: …` / `ai-mem: hint: …`.
    /// The message and hint of an error, as the top level would print them.
    static func describe(_ error: any Error) -> (message: String, hint: String?) {
        if let error = error as? any UserFacingError { return (error.message, error.hint) }
        if let error = error as? SodiumError { return ("cryptographic operation failed: \(error.description)", nil) }
        return ("\(error)", nil)
    }

    static func main() {
        // Everything ai-mem creates is its user's alone (0600 files, 0700 directories),
        // whatever umask the shell has: SQLite's database, WAL and index files included.
        umask(0o077)
        // No core dump may hold a passphrase or a secret key: disabled before any command runs.
        CoreDumps.disable()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as UserFacingError {
            Terminal.error(error.message, hint: error.hint)
            Foundation.exit(1)
        } catch let code as ExitCode {
            // A command that reported its errors itself (e.g. a merge of several files).
            Foundation.exit(code.rawValue)
        } catch let error as SodiumError {
            // The Vault reports libsodium failures as its own errors; this is the net below it.
            Terminal.error("cryptographic operation failed: \(error.description)", hint: nil)
            Foundation.exit(1)
        } catch {
            // ArgumentParser wraps what a `validate()` throws: report ours as ours.
            if let inner = userFacing(in: error) {
                Terminal.error(inner.message, hint: inner.hint)
                Foundation.exit(1)
            }
            let code = exitCode(for: error)
            // --help and --version are not errors: ArgumentParser prints them.
            guard code != .success else { exit(withError: error) }
            if code == .validationFailure {
                Terminal.error(message(for: error), hint: "`ai-mem help` lists the commands; `ai-mem COMMAND --help` their options")
                Foundation.exit(code.rawValue)
            }
            Terminal.error("\(error)", hint: "this is a bug in ai-mem: please report it with the command you ran")
            Foundation.exit(1)
        }
    }
}

/// The user-facing error inside `error` (ArgumentParser wraps the errors that
/// `validate()` throws in its own type), looked for a few levels deep.
private func userFacing(in value: Any, depth: Int = 0) -> (any UserFacingError)? {
    if let error = value as? any UserFacingError { return error }
    guard depth < 4 else { return nil }
    for child in Mirror(reflecting: value).children {
        if let found = userFacing(in: child.value, depth: depth + 1) { return found }
    }
    return nil
}
