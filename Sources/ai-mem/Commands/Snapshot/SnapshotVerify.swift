import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct SnapshotVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run every check of a merge (decryption, signature, trust, recipients, records) without importing.",
        discussion: "Exits 0 only if `ai-mem snapshot merge` would accept the snapshot."
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var passphraseOptions: PassphraseOptions

    @Argument(help: "The snapshot file; - reads standard input.")
    var file: String

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let context = try SnapshotContext(home: homeOptions, passphrase: passphraseOptions)
        let progress = ProgressLine("verifying")
        defer { progress.finish() }
        let r = try context.vault.verify(InputSource(argument: file), progress: { done, total in progress.update(done, total: total) })
        progress.finish()
        if json {
            Terminal.json(SnapshotText.report(r))
        } else {
            Terminal.out("ok: snapshot \(TerminalText.oneLine(r.metadata.snapshotID)) from \(SnapshotText.signerText(r.signer)), \(r.records) records\(r.metadata.payload >= 2 ? ", \(r.tombstones) deletions" : ""), signature valid\(r.alreadyMerged ? ", already merged" : "")")
        }
    }
}
