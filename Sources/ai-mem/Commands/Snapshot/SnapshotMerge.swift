import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct SnapshotMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Decrypt, verify and merge a snapshot into your store (all or nothing).",
        discussion: """
            The snapshot must be addressed to you and signed by you or a trusted, unrevoked keyring \
            entry. Records are applied in one transaction that commits only after the final chunk and \
            the signature check out; any refusal leaves the store exactly as it was. Merging the same \
            snapshot again changes nothing.
            """
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var passphraseOptions: PassphraseOptions

    @Argument(help: "Snapshot files, or folders of them (*.aimem); - reads standard input. Several are merged in chain order (by signer, then sequence), each in its own transaction.")
    var files: [String]

    @Flag(help: "Check everything and report what would change, without changing anything.")
    var dryRun = false

    @Option(help: "When an id exists on both sides with different content: newer (default: the later updated_at wins), keep-local, take-theirs.")
    var onConflict: ConflictPolicy = .newer

    @OptionGroup var vectorOptions: VectorOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give a snapshot file, several, or a folder of them") }
        guard files.count == 1 || !files.contains("-") else { throw ValidationError("- (standard input) cannot be combined with other files") }
    }

    func run() throws {
        let context = try SnapshotContext(home: homeOptions, passphrase: passphraseOptions)
        let inputs = try SnapshotChain.expand(files)
        // What came in is stored (it is yours now); secrets in it are named (the merge found them).
        var merged: [SnapshotReadReport] = []
        defer { SecretWarnings.warn(merged) }
        if inputs.count == 1 && files.count == 1 && !SnapshotChain.isDirectory(files[0]) {
            merged.append(try mergeOne(inputs[0], context: context))
            return
        }
        var withoutVectors = 0
        defer { if !dryRun, withoutVectors > 0 { _ = try? followUp(context) } }
        try SnapshotChain(inputs: inputs, vault: context.vault, policy: onConflict, dryRun: dryRun, json: json).run { file, report in
            withoutVectors += report.counts.withoutVectors
            merged.append(report)
            if !json { try self.describe(report, context: context, prefix: "\(TerminalText.oneLine(file)): ") }
        }
    }

    /// Starts, runs or names the reindex of the records merged without vectors.
    @discardableResult
    private func followUp(_ context: SnapshotContext) throws -> JSONValue {
        try vectorOptions.followUp(waiting: try context.store.memoriesWithoutEmbedding(), store: context.store, home: homeOptions.resolved)
    }

    private func mergeOne(_ file: String, context: SnapshotContext) throws -> SnapshotReadReport {
        let progress = ProgressLine("merging")
        defer { progress.finish() }
        let report = try context.vault.merge(InputSource(argument: file), policy: onConflict, dryRun: dryRun, findSecrets: true,
                                            progress: { done, total in progress.update(done, total: total) })
        progress.finish()
        if json {
            describeWarnings(report, context: context)
            var output = SnapshotText.report(report, dryRun: dryRun)
            if !dryRun, report.counts.withoutVectors > 0, case .object(var o) = output {
                o.append("vectors", try followUp(context))
                output = .object(o)
            }
            Terminal.json(output)
            return report
        }
        try describe(report, context: context, prefix: "")
        if !dryRun, report.counts.withoutVectors > 0 { try followUp(context) }
        return report
    }

    private func describeWarnings(_ report: SnapshotReadReport, context: SnapshotContext) {
        let signer = SnapshotText.signerText(report.signer)
        if report.replay {
            Terminal.warning("older snapshot: sequence \(report.metadata.sequence) from \(signer) is not newer than one already merged; conflicts keep your rows")
        }
        if report.counts.foreignEmbeddings > 0 {
            Terminal.warning("\(report.counts.foreignEmbeddings) record(s) carry embeddings of another model; they are kept, labelled, and not mixed into semantic search with \(context.store.embedder.modelID)")
        }
        if let base = report.missingBase {
            Terminal.warning("snapshot \(TerminalText.oneLine(report.metadata.snapshotID)) from \(signer) carries only what changed since snapshot \(TerminalText.oneLine(base.snapshotID)) (sequence \(base.sequence)), which you have not merged; what it carries was applied, what came before is missing")
            Terminal.hint("merge that snapshot too (or a newer full one from \(TerminalText.oneLine(report.signer.name)))")
        }
    }

    private func describe(_ report: SnapshotReadReport, context: SnapshotContext, prefix: String) throws {
        describeWarnings(report, context: context)
        let signer = SnapshotText.signerText(report.signer)
        if report.alreadyMerged {
            Terminal.out("\(prefix)already merged: snapshot \(TerminalText.oneLine(report.metadata.snapshotID)) from \(signer); nothing changed")
            return
        }
        let c = report.counts
        var summary = "\(c.added) added, \(c.unchanged) unchanged, \(c.conflicts) conflict\(c.conflicts == 1 ? "" : "s")"
        if c.conflicts > 0 { summary += " (\(c.replaced) replaced by the snapshot's newer rows, \(c.conflicts - c.replaced) kept)" }
        if c.keptDeleted > 0 { summary += ", \(c.keptDeleted) deleted here (kept deleted)" }
        if c.notTheAuthor > 0 {
            summary += ", \(c.notTheAuthor) not the author (kept yours)"
            Terminal.warning("\(signer) sent other versions of \(c.notTheAuthor) memor\(c.notTheAuthor == 1 ? "y" : "ies") that \(TerminalText.oneLine(report.signer.name)) did not write; only a memory's author changes it, so yours were kept: \(c.notTheAuthorIDs.prefix(5).map(TerminalText.oneLine).joined(separator: ", "))\(c.notTheAuthor > 5 ? ", …" : "")")
        }
        if c.deleted > 0 { summary += ", \(c.deleted) deleted by their author" }
        if c.tombstonesRecorded > 0 { summary += ", \(c.tombstonesRecorded) deletion\(c.tombstonesRecorded == 1 ? "" : "s") recorded" }
        let refused = c.unknownAuthor + c.forgedAuthor
        if refused > 0 {
            summary += ", \(refused) refused for their author (\(c.forgedAuthor) forged, \(c.unknownAuthor) unknown)"
            let ids = c.refusedAuthorIDs.prefix(5).map(TerminalText.oneLine).joined(separator: ", ") + (refused > 5 ? ", …" : "")
            if c.forgedAuthor > 0 {
                Terminal.warning("\(signer) relayed \(c.forgedAuthor) line\(c.forgedAuthor == 1 ? "" : "s") whose author signature does not verify with your copy of the author's key; they were not applied: \(ids)")
            }
            if c.unknownAuthor > 0 {
                Terminal.warning("\(signer) relayed \(c.unknownAuthor) line\(c.unknownAuthor == 1 ? "" : "s") written by keys you do not trust; they were not applied: \(ids)")
                Terminal.hint("to take memories from their author, trust the author's key (`ai-mem keys trust FILE --name NAME`) and merge again")
            }
        }
        if dryRun {
            Terminal.out("\(prefix)dry run: snapshot \(TerminalText.oneLine(report.metadata.snapshotID)) from \(signer) verifies; it would give \(summary); nothing was changed")
        } else {
            Terminal.out("\(prefix)merged snapshot \(TerminalText.oneLine(report.metadata.snapshotID)) from \(signer): \(summary)")
        }
    }
}
