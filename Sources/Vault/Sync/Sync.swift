import AIMemCore
import Foundation
import MemoryStore

/// What `sync` did (docs/FORMAT.md §8).
public struct SyncReport: Sendable {
    /// The file this store published, if anything had changed.
    public var published: (path: String, report: SnapshotExportReport)?
    /// Files merged, in the order they were applied.
    public var merged: [(entry: SharedFolder.Entry, report: SnapshotReadReport)] = []
    /// Files the ledger already holds: skipped without being read.
    public var alreadyMerged = 0
    /// Files this store published itself (in its own key folders; not read again).
    public var own = 0
    /// Files in folders of signers you do not trust (not read).
    public var untrusted = 0
    /// Files addressed to others only.
    public var notAddressed = 0
    /// Anything that is not a snapshot file of the layout: engines' temporary and conflict files, notes.
    public var otherFiles = 0
    /// Files refused (tampered, misplaced, revoked signer, …): named, and the rest went on.
    public var refused: [(entry: SharedFolder.Entry, error: any Error)] = []
    /// `compact`: this store's older files removed from its own folder.
    public var removed: [String] = []
}

extension SnapshotVault {
    /// Publishes this store's increment to `recipients` (default: you and every
    /// trusted keyring entry; a new teammate changes the chain, so they get a full
    /// snapshot) when anything changed, or
    /// in full with `full`), then merges every file of `folder` addressed to you that
    /// the ledger lacks, per signer in sequence order, each in its own transaction.
    /// `compact`: publish a full snapshot, then remove this key's older files from its
    /// own folder — the only deletion sync makes — so that a newcomer reads one file per
    /// teammate and the increments since. `secrets`: what publishing does with
    /// memories that hold secrets (refused unless redacted or allowed, §4.9).
    public func sync(_ folder: SharedFolder, recipients specs: [String], full: Bool = false, compact: Bool = false, policy: ConflictPolicy = .newer,
                     secrets: SecretPolicy = .refuse, progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> SyncReport {
        let full = full || compact
        var report = SyncReport()
        let ownFile = try keys.identityFile()
        let directory = try KeyDirectory(keys)
        let team = specs.isEmpty ? directory.keyring.entries.filter { $0.status == .trusted }.map(\.keyID) : specs
        let (recipients, _) = try Recipients.resolve(team, keyring: directory.keyring, own: ownFile.publicIdentity, includeSelf: true)
        let ownFolder = try folder.folder(of: ownFile.keyID)
        // What you authored (and your deletions) only: each teammate's memories reach
        // the team from their author's own folder, so relaying them would carry every
        // memory once per member.
        var authored = ObservationFilter()
        authored.author = .storeOwner(keyIDs: directory.ownKeyIDs.sorted())
        var publishedPath: String? = nil
        if let published = try export(to: { naming in
            let path = (ownFolder as NSString).appendingPathComponent(SharedFolder.fileName(sequence: naming.sequence, snapshotID: naming.snapshotID))
            publishedPath = path
            return .file(path)
        }, recipients: recipients, filter: authored, increment: full ? nil : .sinceLast, onlyIfChanged: !full, secrets: secrets) {
            report.published = (publishedPath!, published)
            if compact {
                // Only this key's own files, older than the full snapshot just written.
                for entry in try folder.list().entries where entry.signerKeyID == ownFile.keyID && entry.sequence < published.sequence {
                    do { try FileManager.default.removeItem(atPath: entry.path) } catch {
                        throw VaultError.io(IOError(path: entry.path, reason: "cannot remove it (\(error.localizedDescription))"))
                    }
                    report.removed.append(entry.path)
                }
            }
        }

        let listing = try folder.list()
        report.otherFiles = listing.otherFiles
        let ownKeyIDs = Set(directory.own.map(\.file.keyID))
        var pending: [SharedFolder.Entry] = []
        let known = try store.known(listing.entries.map { ($0.signerKeyID, $0.snapshotID) })
        for (entry, known) in zip(listing.entries, known) {
            // A file in your own folder that this store did not write comes from another
            // machine holding your key (or was planted): it is read and checked like any other.
            let mine = ownKeyIDs.contains(entry.signerKeyID)
            if mine, known.exported { report.own += 1; continue }
            if known.merged { report.alreadyMerged += 1; continue }
            guard mine || directory.keyring.entry(holdingKeyID: entry.signerKeyID) != nil else { report.untrusted += 1; continue }
            pending.append(entry)
        }
        for (index, entry) in pending.enumerated() {
            progress?(index, pending.count)
            do {
                report.merged.append((entry, try merge(entry, policy: policy)))
            } catch let error as SnapshotError {
                switch error {
                case .notARecipient: report.notAddressed += 1
                default: report.refused.append((entry, error))
                }
            } catch {
                report.refused.append((entry, error))
            }
        }
        progress?(pending.count, pending.count)
        return report
    }
}
