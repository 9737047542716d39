import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct SnapshotExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an encrypted snapshot that only its recipients can read, signed by you.",
        discussion: """
            Recipients: --to NAME (a keyring entry), --to KEY (a public-key line), or --to FILE \
            (one public-key line per line, # comments allowed); you are a recipient unless --no-self. \
            The file appears only when complete (written to a temporary file, then renamed). \
            --incremental carries only the memories and deletions written since the last snapshot this \
            store exported to the same recipients with the same filters (a full one when there is none); \
            --since-snapshot ID follows a given one. A reader that lacks the base is told which snapshot it misses. \
            A snapshot to anyone but yourself refuses memories that hold secrets (`ai-mem scan` lists them) unless \
            --redact or --allow-secrets; a backup to yourself only carries them and says so.
            """
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var passphraseOptions: PassphraseOptions
    @OptionGroup var filterOptions: FilterOptions
    @OptionGroup var secretOptions: SecretOptions

    @Argument(help: "The snapshot file; - writes to standard output.")
    var file: String

    @Option(name: .customLong("to"), help: "A recipient: keyring name, public-key line, or recipients file (repeatable).")
    var recipients: [String] = []

    @Flag(help: "Do not encrypt to yourself.")
    var noSelf = false

    @Flag(help: "Only what changed since the last snapshot to the same recipients and filters.")
    var incremental = false

    @Option(help: ArgumentHelp("Only what changed since this snapshot, exported from this store (implies --incremental).", valueName: "id"))
    var sinceSnapshot: String?

    @Flag(help: "Print the report as JSON (on stderr when the snapshot goes to standard output).")
    var json = false

    func run() throws {
        let context = try SnapshotContext(home: homeOptions, passphrase: passphraseOptions)
        let filter = try filterOptions.filter()
        let destination = OutputDestination(argument: file)
        let progress = ProgressLine("exporting")
        defer { progress.finish() }
        // The first export of a memory signs it as yours (once: the signature is kept).
        let signing = ProgressLine("signing your memories")
        defer { signing.finish() }
        let increment: SnapshotVault.Increment? = sinceSnapshot.map { .since(snapshotID: $0) } ?? (incremental ? .sinceLast : nil)
        let (report, resolved, warnings) = try SecretOptions.guarding {
            try context.vault.export(
                to: destination, recipients: recipients, includeSelf: !noSelf, filter: filter, increment: increment, secrets: secretOptions.policy,
                progress: { done, total in
                    signing.finish()
                    progress.update(done, total: total)
                }, signingProgress: { done, total in signing.update(done, total: total) })
        }
        progress.finish()
        SecretOptions.describe(report.secrets)
        for w in warnings { Terminal.warning(w) }
        if report.outOfBounds > 0 {
            Terminal.warning("\(report.outOfBounds) selected memor\(report.outOfBounds == 1 ? "y was" : "ies were") left out: dated before 2000 or more than a day ahead, which no reader accepts")
            Terminal.hint("`ai-mem list --json` shows their created_at and updated_at; such rows came from old snapshots or imports")
        }
        let names = resolved.map { $0.label == $0.key.keyID ? $0.key.keyID : "\($0.label) (\($0.key.keyID))" }
        if json {
            let value = JSONValue.object(JSONObject([
                "snapshot_id": .string(report.snapshotID), "count": .int(report.count), "tombstones": .int(report.tombstones), "out_of_bounds": .int(report.outOfBounds), "bytes": .int(report.bytes),
                "recipients": .array(resolved.map { .object(JSONObject(["name": .string($0.label), "key_id": .string($0.key.keyID)])) }),
                "file": .string(file), "sequence": .number(String(report.sequence)),
                "secrets": SecretOptions.json(report.secrets),
                "base": report.base.map { .object(JSONObject(["snapshot_id": .string($0.snapshotID), "sequence": .number(String($0.sequence))])) } ?? .null,
            ]))
            if destination == .standardOutput { Terminal.jsonToStandardError(value) } else { Terminal.json(value) }
        } else {
            let deletions = report.tombstones > 0 ? " and \(report.tombstones) deletion\(report.tombstones == 1 ? "" : "s")" : ""
            Terminal.err("exported \(report.count) observation\(report.count == 1 ? "" : "s")\(deletions) (\(report.bytes) bytes) to \(destination.displayName)")
            Terminal.err("recipients: \(names.joined(separator: ", "))")
            if let base = report.base {
                Terminal.err("incremental: what changed since snapshot \(base.snapshotID); snapshot id \(report.snapshotID)")
            } else {
                if increment == .sinceLast { Terminal.notice("no earlier snapshot to these recipients with these filters: this one is full") }
                Terminal.err("snapshot id \(report.snapshotID)")
            }
        }
    }
}
