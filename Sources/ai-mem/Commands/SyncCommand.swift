import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import Vault

struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Share memory through a folder that git, Syncthing, rclone or a network share carries.",
        discussion: """
            DIR holds one subfolder per signer key ID, each written only by its owner, each file \
            (<sequence>-<snapshot id>.aimem) written once and never changed. A sync publishes what this store \
            changed since its last sync, as an encrypted, signed increment addressed to you and every trusted \
            keyring entry (or --to), then merges every file addressed to you that your ledger lacks, per \
            signer in sequence order, each in its own transaction. Files of signers you do not trust, files \
            addressed to others and anything that is not a snapshot file (the engines' temporary and conflict \
            copies) are counted, not errors; a tampered file is refused and named, and the rest goes on. \
            Commit and push (git), or let the engine carry the folder, between syncs. Publishing refuses memories \
            that hold secrets unless --redact or --allow-secrets (`ai-mem scan` lists them).
            """
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var passphraseOptions: PassphraseOptions
    @OptionGroup var secretOptions: SecretOptions

    @Argument(help: "The shared folder.")
    var folder: String

    @Option(name: .customLong("to"), help: "Publish to these recipients (keyring names, key lines, ./FILE) instead of the whole keyring.")
    var recipients: [String] = []

    @Flag(help: "Publish a full snapshot of this store (for a teammate who joined late), not only what changed.")
    var full = false

    @Flag(help: "Publish a full snapshot and remove your older files from your own folder (so newcomers read fewer files).")
    var compact = false

    @Option(help: "When an id exists on both sides with different content: newer (default), keep-local, take-theirs.")
    var onConflict: ConflictPolicy = .newer

    @OptionGroup var vectorOptions: VectorOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        guard SnapshotChain.isDirectory(folder) else {
            throw CommandError("\(folder) is not a folder", hint: "create it (or clone the team's repository) first: mkdir -p \(folder)")
        }
        let context = try SnapshotContext(home: homeOptions, passphrase: passphraseOptions)
        let progress = ProgressLine("merging")
        defer { progress.finish() }
        let before = try context.store.writeGeneration()
        let report = try SecretOptions.guarding {
            try context.vault.sync(SharedFolder(path: folder), recipients: recipients, full: full, compact: compact, policy: onConflict,
                                   secrets: secretOptions.policy, progress: { done, total in progress.update(done, total: total) })
        }
        progress.finish()
        if let (_, published) = report.published { SecretOptions.describe(published.secrets) }
        try SecretWarnings.warn(context.store, writtenAfter: before)
        let withoutVectors = report.merged.reduce(0) { $0 + $1.1.counts.withoutVectors }
        if withoutVectors > 0 {
            try vectorOptions.followUp(waiting: try context.store.memoriesWithoutEmbedding(), store: context.store, home: homeOptions.resolved)
        }
        if json {
            Terminal.json(Self.json(report))
        } else {
            if let (path, published) = report.published {
                let what = published.base == nil ? "a full snapshot" : "an increment"
                Terminal.out("published \(what): \(published.count) memor\(published.count == 1 ? "y" : "ies"), \(published.tombstones) deletion\(published.tombstones == 1 ? "" : "s") -> \(TerminalText.oneLine(path))")
            } else {
                Terminal.out("nothing new to publish")
            }
            if !report.removed.isEmpty {
                Terminal.out("compacted: removed \(report.removed.count) older file\(report.removed.count == 1 ? "" : "s") of yours from \(TerminalText.oneLine(folder))")
            }
            for (entry, r) in report.merged {
                let c = r.counts
                Terminal.out("merged \(TerminalText.oneLine(entry.name)) from \(SnapshotText.signerText(r.signer)): \(c.added) added, \(c.replaced) replaced, \(c.deleted) deleted, \(c.notTheAuthor) not the author, \(c.unknownAuthor + c.forgedAuthor) refused for their author")
            }
            for (entry, error) in report.refused {
                let (message, hint) = AIMem.describe(error)
                Terminal.error("\(TerminalText.oneLine(entry.path)): \(message)", hint: hint)
            }
            Terminal.err("sync: \(report.merged.count) merged, \(report.alreadyMerged) already merged, \(report.untrusted) from signers you do not trust, \(report.notAddressed) not addressed to you, \(report.otherFiles) other files, \(report.refused.count) refused")
        }
        if !report.refused.isEmpty { throw ExitCode(1) }
    }

    static func json(_ r: SyncReport) -> JSONValue {
        var o = JSONObject()
        if let (path, p) = r.published {
            o.append("published", .object(JSONObject([
                "file": .string(path), "snapshot_id": .string(p.snapshotID), "records": .int(p.count), "tombstones": .int(p.tombstones),
                "full": .bool(p.base == nil),
            ])))
        } else {
            o.append("published", .null)
        }
        o.append("merged", .array(r.merged.map { entry, report in
            var m = JSONObject(["file": .string(entry.path)])
            if case .object(let details) = SnapshotText.report(report) { for member in details.members { m.append(member.key, member.value) } }
            return .object(m)
        }))
        o.append("removed", .array(r.removed.map(JSONValue.string)))
        o.append("already_merged", .int(r.alreadyMerged))
        o.append("own", .int(r.own))
        o.append("untrusted", .int(r.untrusted))
        o.append("not_addressed", .int(r.notAddressed))
        o.append("other_files", .int(r.otherFiles))
        o.append("refused", .array(r.refused.map { entry, error in
            .object(JSONObject(["file": .string(entry.path), "error": .string(AIMem.describe(error).message)]))
        }))
        return .object(o)
    }
}
