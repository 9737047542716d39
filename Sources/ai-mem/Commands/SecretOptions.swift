import AIMemCore
import ArgumentParser
import Vault

/// `--redact` / `--allow-secrets` (snapshot export, sync): what a snapshot to others
/// does with memories that hold secrets. Without either it refuses them.
struct SecretOptions: ParsableArguments {
    @Flag(help: "Send each secret as [REDACTED:rule] (your store is unchanged; others' memories with secrets are left out).")
    var redact = false

    @Flag(help: "Send secrets as they are.")
    var allowSecrets = false

    func validate() throws {
        if redact && allowSecrets { throw CommandError("--redact and --allow-secrets exclude each other") }
    }

    var policy: SecretPolicy { redact ? .redact : allowSecrets ? .allow : .refuse }

    /// Runs `body`; a refusal lists every finding (one line each) before the error.
    static func guarding<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let refusal as SecretsInSelection {
            for f in refusal.findings { Terminal.err("  " + SecretWarnings.line(f.memoryID, f.finding)) }
            throw refusal
        }
    }

    /// What the gate did, on stderr.
    static func describe(_ report: SecretGateReport) {
        if report.redactedMemories > 0 {
            Terminal.notice("redacted \(report.redactions) secret\(report.redactions == 1 ? "" : "s") in \(report.redactedMemories) memor\(report.redactedMemories == 1 ? "y" : "ies") of yours (your store keeps them)")
        }
        if !report.leftOut.isEmpty {
            Terminal.warning("left out \(report.leftOut.count) memor\(report.leftOut.count == 1 ? "y" : "ies") of other authors holding secrets (only their author may redact them): \(report.leftOut.prefix(5).joined(separator: ", "))\(report.leftOut.count > 5 ? ", …" : "")")
        }
        if report.redactedMemories == 0, report.leftOut.isEmpty, !report.findings.isEmpty {
            // A backup to yourself only, or --allow-secrets: carried, and said.
            for f in report.findings.prefix(SecretWarnings.shown) { Terminal.warning("carries a secret: " + SecretWarnings.line(f.memoryID, f.finding)) }
            if report.findings.count > SecretWarnings.shown { Terminal.warning("… and \(report.findings.count - SecretWarnings.shown) more (`ai-mem scan` lists them all)") }
        }
    }

    static func json(_ report: SecretGateReport) -> JSONValue {
        .object(JSONObject([
            "found": .int(report.findings.count), "redacted_memories": .int(report.redactedMemories), "redactions": .int(report.redactions),
            "left_out": .array(report.leftOut.map { .string($0) }),
        ]))
    }
}
