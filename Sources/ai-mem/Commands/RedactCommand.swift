import AIMemCore
import ArgumentParser
import MemoryStore
import SecretScan
import Vault

struct RedactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redact",
        abstract: "Replace the secrets in one of your memories with [REDACTED:rule], in place.",
        discussion: """
            The memory is edited (a new version, re-embedded), so the redaction travels with your next snapshot or \
            sync like any edit. Only its author redacts a memory; `ai-mem scan` lists what would be replaced.
            """
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "The memory's id (or a unique prefix of it).")
    var id: String

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let store = try homeOptions.openStore(announcing: true)
        let authors = Authors(home: homeOptions.resolved)
        let current = try store.observation(id)
        let findings = SecretScanner.standard.findings(in: current)
        guard !findings.isEmpty else {
            if json {
                Terminal.json(.object(JSONObject(["id": .string(current.id), "redacted": .int(0), "rules": .array([])])))
            } else {
                Terminal.err("\(current.id) holds no secrets: nothing to redact")
            }
            return
        }
        let redacted: Observation
        do {
            redacted = try store.revise(current.id, ownKeyIDs: authors.ownKeyIDs) { o in
                _ = Redaction.apply(SecretScanner.standard, to: &o)
            }
        } catch MemoryStoreError.notYourMemory(let id, let author) {
            throw CommandError("\(id) was written by \(authors.describe(author).name) (key \(author)): only its author redacts it",
                               hint: "ask them to run `ai-mem redact \(id)`; `ai-mem delete \(id)` removes it from your store")
        }
        if json {
            Terminal.json(.object(JSONObject([
                "id": .string(redacted.id), "redacted": .int(findings.count),
                "rules": .array(findings.map { .string($0.ruleID) }),
            ])))
        } else {
            for f in findings { Terminal.err("redacted \(f.field):\(f.line):\(f.column) \(f.ruleID)") }
            Terminal.out("redacted \(findings.count) secret\(findings.count == 1 ? "" : "s") in \(redacted.id)")
        }
    }
}
