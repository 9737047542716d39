import AIMemCore
import ArgumentParser
import MemoryStore
import SecretScan
import Vault

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "List the secrets (keys, tokens, passwords) in your memories, masked.",
        discussion: """
            Each finding names the memory, the field, the line and column, the rule, and an excerpt with the secret \
            masked (never the secret itself). The rules (AWS, GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic, Google, \
            Azure, Twilio, SendGrid, npm, PyPI, Docker Hub, JWTs, private keys, database URLs, generic assignments) are \
            learned from gitleaks. Exit status 1 when anything is found, 0 when nothing is. \
            `ai-mem redact ID` removes a memory's secrets; a snapshot to others refuses them unless --redact or --allow-secrets.
            """
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var filterOptions: FilterOptions

    @Flag(help: "Print the findings as JSON.")
    var json = false

    func run() throws {
        let store = try homeOptions.openStore()
        let found = try SecretWarnings.scan(store, try filterOptions.filter())
        let memories = Set(found.map(\.memoryID)).count
        if json {
            Terminal.json(.object(JSONObject([
                "findings": .array(found.map(SecretWarnings.json)), "count": .int(found.count), "memories": .int(memories),
                "rules": .string(SecretScanner.standard.rulesDigest),
            ])))
        } else {
            for f in found {
                Terminal.out("\(f.memoryID)  \(f.finding.field):\(f.finding.line):\(f.finding.column)  \(f.finding.ruleID)  \(TerminalText.oneLine(f.finding.excerpt))")
            }
            if found.isEmpty {
                Terminal.err("no secrets found")
            } else {
                Terminal.err("\(found.count) secret\(found.count == 1 ? "" : "s") in \(memories) memor\(memories == 1 ? "y" : "ies")")
                Terminal.hint("`ai-mem redact ID` replaces each with [REDACTED:rule] (an edit, so it travels)")
            }
        }
        if !found.isEmpty { throw ExitCode(1) }
    }
}
