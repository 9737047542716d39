import AIMemCore
import Foundation
import MemoryStore
import SecretScan
import Sodium

/// Encrypted, signed snapshots of a memory store: export to recipients, and
/// merge / verify / inspect with every check of docs/FORMAT.md §6.
public final class SnapshotVault {
    public let store: MemoryStore
    public let keys: KeyStore
    public let passphrases: PassphraseSources
    /// Keys derived from the passphrase in this command (one derivation opens every key file sealed with one salt).
    let unlocked = UnlockedKeys()
    /// The passphrase, asked for once per command (several snapshots are read with one).
    private var passphrase: SecretBytes?

    func obtainPassphrase(_ purpose: String) throws -> SecretBytes {
        if let passphrase { return passphrase }
        let obtained = try passphrases.obtain(purpose: purpose)
        passphrase = obtained
        return obtained
    }

    /// Decrypts a snapshot's metadata line (the steps of `inspect` up to it), to
    /// order several snapshots before merging them.
    public func metadata(of source: InputSource) throws -> SnapshotMetadata { try open(source).metadata }

    public init(store: MemoryStore, keys: KeyStore, passphrases: PassphraseSources) {
        self.store = store
        self.keys = keys
        self.passphrases = passphrases
    }

    /// Which of the three readers `read` runs.
    public enum ReadMode: Sendable, Equatable {
        /// `merge`: apply and commit (or roll back with `dryRun`).
        case merge(policy: ConflictPolicy, dryRun: Bool)
        /// `verify`: every check of a merge, nothing applied.
        case verify
        /// `inspect`: decrypt and describe; trust is reported, not required.
        case inspect
    }

    // MARK: Export

    /// Which snapshot an incremental export follows.
    public enum Increment: Sendable, Equatable {
        /// The last snapshot this store exported to the same recipients with the same filters.
        case sinceLast
        /// A snapshot this store exported (its id, or a unique prefix).
        case since(snapshotID: String)
    }

    /// Resolves recipients, unlocks your key and writes a snapshot — with `increment`,
    /// only what was written since its base (docs/FORMAT.md §4.8; a full snapshot
    /// when this chain has none yet). Every snapshot written is remembered as the
    /// base of the next increment.
    public func export(to destination: OutputDestination, recipients specs: [String], includeSelf: Bool, filter: ObservationFilter,
                       increment: Increment? = nil, secrets: SecretPolicy = .refuse,
                       progress: ((Int, Int) -> Void)? = nil, signingProgress: ((Int, Int) -> Void)? = nil)
        throws -> (report: SnapshotExportReport, recipients: [Recipient], warnings: [String]) {
        let ownFile = try keys.identityFile()
        let (recipients, warnings) = try Recipients.resolve(specs, keyring: try keys.keyring(), own: ownFile.publicIdentity, includeSelf: includeSelf)
        let report = try export(to: { _ in destination }, recipients: recipients, filter: filter, increment: increment, secrets: secrets,
                                progress: progress, signingProgress: signingProgress)
        return (report!, recipients, warnings)
    }

    /// `export` to resolved recipients. `destination` is given the snapshot's sequence
    /// and id before anything is written (a shared folder names files so);
    /// `onlyIfChanged`: nothing is written (nil) when the increment would be empty.
    func export(to destination: (_ naming: (sequence: Int64, snapshotID: String)) throws -> OutputDestination, recipients: [Recipient],
                filter: ObservationFilter, increment: Increment?, onlyIfChanged: Bool = false, secrets: SecretPolicy = .refuse,
                progress: ((Int, Int) -> Void)? = nil, signingProgress: ((Int, Int) -> Void)? = nil) throws -> SnapshotExportReport? {
        let ownFile = try keys.identityFile()
        let recipientKeyIDs = recipients.map(\.key.keyID)
        var base: ExportRecord? = nil
        switch increment {
        case nil: break
        case .sinceLast:
            base = try store.lastExport(chain: SnapshotMetadata.chain(recipients: recipientKeyIDs, filter: filter))
        case .since(let id):
            guard let found = try store.export(snapshotID: id) else { throw VaultError.unknownExport(id) }
            base = found
        }
        let passphrase = ownFile.isProtected ? try obtainPassphrase("unlock your key \(ownFile.keyID) to sign") : nil
        let identity = try ownFile.open(passphrase: passphrase, keys: unlocked)
        let directory = try KeyDirectory(keys)
        // What your compromised keys signed is signed again by your current key.
        try store.forgetSignatures(ofKeys: Set(directory.own.filter(\.compromised).map(\.file.keyID)))
        if onlyIfChanged, let base, try !store.hasChanges(after: base.changeMark, filter: filter) { return nil }
        let naming = (sequence: try store.nextExportSequence(), snapshotID: UUIDString.random())
        // A backup to yourself only is not stopped by secrets: they are reported.
        let toYourselfOnly = recipients.allSatisfy { directory.ownKeyIDs.contains($0.key.keyID) || $0.key.keyID == ownFile.keyID }
        let policy = secrets == .refuse && toYourselfOnly ? .warn : secrets
        let report = try destination(naming).write(mode: 0o600) { sink in
            try SnapshotWriter.write(store: store, signer: identity, signerName: ownFile.name, recipients: recipients.map(\.key),
                                     filter: filter, ownKeyIDs: directory.ownKeyIDs, base: base, naming: naming, secrets: policy,
                                     to: sink, progress: progress,
                                     signingProgress: signingProgress)
        }
        // Only a snapshot written completely becomes a base.
        try store.recordExport(report.exportRecord)
        return report
    }

    /// The key IDs of this store's own user: current and retired keys, and the keyring's devices.
    func ownKeyIDs() throws -> Set<String> { try KeyDirectory(keys).ownKeyIDs }

    // MARK: Reading

    /// Decrypts and describes a snapshot: who signed it (and whether you trust
    /// them), for whom, how many records. Trust is reported, not required; the
    /// signature is checked when the signer's key is known. Nothing is applied.
    public func inspect(_ source: InputSource) throws -> SnapshotReadReport {
        let opened = try open(source)
        var report = opened.report
        try Self.checkStanzaCount(opened.metadata, opened.decryptor)
        var lines = 0
        var markers = 0
        let scanner = SecretScanner.standard
        while let line = try opened.decryptor.nextLine() {
            lines += 1
            if lines <= opened.metadata.count, line.withUnsafeBytes({ scanner.redactionMarkers(in: $0) }) > 0 {
                markers += Self.redactionMarkers(inRecord: line, scanner)
            }
        }
        report.redactionMarkers = markers
        // Records, then (payload 2) tombstones: counted by position, not parsed.
        report.records = min(lines, opened.metadata.count)
        report.tombstones = lines - report.records
        if let key = opened.signer.key {
            report.signatureValid = try opened.decryptor.verifySignature(publicKey: key.signingKey)
        }
        return report
    }

    /// The `[REDACTED:rule]` markers of one record line, in every field but a
    /// summary made from the content (its markers are the content's).
    static func redactionMarkers(inRecord line: ArraySlice<UInt8>, _ scanner: SecretScanner) -> Int {
        guard let value = try? JSONParser.parse(Array(line.dropLast(line.last == 0x0A ? 1 : 0))), case .object(let record) = value else { return 0 }
        var count = 0
        for member in record.members where !["id", "embedding", "author", "content_hash"].contains(member.key) {
            if member.key == "summary", let summary = member.value.stringValue, let content = record["content"]?.stringValue,
               SecretScanner.summaryRepeatsContent(summary, content) { continue }
            count += scanner.redactionMarkers(in: member.value.stringValue ?? JSONWriter.string(member.value))
        }
        return count
    }

    /// Every check of a merge (docs/FORMAT.md §6) without applying anything:
    /// returns only if `merge` would accept the snapshot.
    public func verify(_ source: InputSource, progress: ((Int, Int) -> Void)? = nil) throws -> SnapshotReadReport {
        try check(try open(source), applying: nil, progress: progress)
    }

    /// Merges a snapshot all-or-nothing (docs/FORMAT.md §6): every check first, the
    /// rows applied under `policy` in one transaction that commits only once the
    /// signature is valid (never, with `dryRun`). A snapshot the ledger holds is
    /// recognised and changes nothing.
    /// `findSecrets`: the secrets in what the merge stores are listed in the report
    /// (`SnapshotReadReport.secrets`), found while it runs.
    public func merge(_ source: InputSource, policy: ConflictPolicy, dryRun: Bool = false, findSecrets: Bool = false,
                      progress: ((Int, Int) -> Void)? = nil) throws -> SnapshotReadReport {
        try check(try open(source), applying: Application(policy: policy, dryRun: dryRun, findSecrets: findSecrets && !dryRun), progress: progress)
    }

    /// `merge` of a shared folder's file: its signed metadata must say what its place
    /// says (signer folder, sequence and id in the name), else it is refused unread.
    func merge(_ entry: SharedFolder.Entry, policy: ConflictPolicy) throws -> SnapshotReadReport {
        let opened = try open(.file(entry.path))
        let m = opened.metadata
        guard m.exporterKeyID == entry.signerKeyID, m.snapshotID == entry.snapshotID, m.sequence == entry.sequence else {
            throw SnapshotError.misplaced(file: entry.name, signerKeyID: m.exporterKeyID, folder: entry.signerKeyID)
        }
        return try check(opened, applying: Application(policy: policy, dryRun: false), progress: nil)
    }

    /// `inspect`, `verify` or `merge`, by `mode`.
    public func read(_ source: InputSource, mode: ReadMode, progress: ((Int, Int) -> Void)? = nil) throws -> SnapshotReadReport {
        switch mode {
        case .inspect: return try inspect(source)
        case .verify: return try verify(source, progress: progress)
        case .merge(let policy, let dryRun): return try merge(source, policy: policy, dryRun: dryRun, progress: progress)
        }
    }

    /// A snapshot opened by one of the reader's keys, its metadata line read (§6 steps 1–3).
    struct Opened {
        var decryptor: SnapshotDecryptor
        var metadata: SnapshotMetadata
        var signer: SignerInfo
        var report: SnapshotReadReport
        /// The reader's own key IDs: current, retired, and their other devices'.
        var ownKeyIDs: Set<String>
        /// The keys the reader accepts as authors of relayed lines.
        var authorKeys: [String: AuthorKey]
        /// Each key of a person mapped to one key id for them.
        var personOfKey: [String: String]
        /// The snapshot's size in bytes, when known before reading it.
        var sizeHint: Int64?
        /// The signer's keys: the one that signed, and every other key of the same person.
        var signerKeyIDs: [String] {
            let person = personOfKey[signer.keyID]
            return [signer.keyID] + personOfKey.filter { $0.value == person && person != nil && $0.key != signer.keyID }.map(\.key).sorted()
        }
    }

    /// How a merge applies what it reads.
    struct Application {
        var policy: ConflictPolicy
        var dryRun: Bool
        var findSecrets = false
    }

    /// The step shared by every reader: unlock the reader's key (retired keys only
    /// when it does not open the snapshot), open the stanza, read and validate the
    /// metadata line, and find the signer in the reader's own identity or keyring.
    func open(_ source: InputSource) throws -> Opened {
        let reader = try source.openByteReader()
        let ownFile = try keys.identityFile()
        let passphrase = ownFile.isProtected ? try obtainPassphrase("unlock your key \(ownFile.keyID) to decrypt") : nil
        let current = try ownFile.open(passphrase: passphrase, keys: unlocked)
        let ownKeys = try keys.ownKeys()
        let retiredFiles = ownKeys.dropFirst().map(\.file)
        // Retired keys (from `keys rotate`) are unlocked only when the current one does not
        // open the snapshot, newest first, and only until one does.
        let unlocked = self.unlocked
        let decryptor = try SnapshotDecryptor(reader: reader, keys: [current], moreKeys: retiredFiles.reversed().map { file in
            { try? file.open(passphrase: file.isProtected ? passphrase : nil, keys: unlocked) }
        })
        guard let firstLine = try decryptor.nextLine() else {
            throw SnapshotError.invalidPayload(line: 1, reason: "no metadata line")
        }
        let metadata = try SnapshotMetadata.decode(Self.parse(firstLine, line: 1), now: Date().timeIntervalSince1970)
        let directory = KeyDirectory(ownName: ownFile.name, own: ownKeys, keyring: try keys.keyring())
        let signer = directory.signer(keyID: metadata.exporterKeyID, claimedName: metadata.exporterName, createdAt: metadata.createdAt)
        var report = SnapshotReadReport(
            metadata: metadata, signer: signer, readerKeyID: decryptor.openedWith.keyID,
            addressedToReader: metadata.recipients.contains(decryptor.openedWith.keyID))
        for id in metadata.recipients {
            if directory.ownPublicKeys.contains(where: { $0.keyID == id }) { report.recipientNames[id] = "you" }
            else if let e = directory.keyring.entry(holdingKeyID: id) { report.recipientNames[id] = e.name }
        }
        return Opened(decryptor: decryptor, metadata: metadata, signer: signer, report: report,
                      ownKeyIDs: directory.ownKeyIDs, authorKeys: directory.authorKeys, personOfKey: directory.personOfKey,
                      sizeHint: source.sizeHint)
    }

    /// Every check of §6 after the open step — trusted signer, addressed to the
    /// reader, stanza count, each record, the count, the signature — inside one
    /// write transaction; with `application`, the records are applied and the
    /// ledger updated, and the transaction commits unless it is a dry run.
    func check(_ opened: Opened, applying application: Application?, progress: ((Int, Int) -> Void)?) throws -> SnapshotReadReport {
        let (decryptor, metadata, signer) = (opened.decryptor, opened.metadata, opened.signer)
        var report = opened.report
        switch signer.trust {
        case .untrusted: throw SnapshotError.untrustedSigner(keyID: metadata.exporterKeyID, claimedName: metadata.exporterName)
        case .revoked: throw SnapshotError.revokedSigner(name: signer.name, keyID: signer.keyID)
        case .compromised: throw SnapshotError.compromisedSigner(name: signer.name, keyID: signer.keyID)
        case .disputed: throw SnapshotError.disputedSigner(name: signer.name, keyID: signer.keyID)
        case .signedAfterRotation:
            throw SnapshotError.signedAfterRotation(name: signer.name, keyID: signer.keyID, rotatedAt: signer.rotatedAt ?? 0, createdAt: metadata.createdAt)
        case .you, .trusted: break
        }
        guard report.addressedToReader else { throw SnapshotError.forwarded(keyID: decryptor.openedWith.keyID) }
        try Self.checkStanzaCount(metadata, decryptor)
        let signingKey = signer.key!.signingKey

        // What a merge may write, for its journal: the snapshot's size (or 2 KiB a line
        // when it is read from a pipe). Nothing is written by verify or a dry run.
        let incomingBytes = application.map { $0.dryRun ? 0 : opened.sizeHint ?? Int64(metadata.count + metadata.tombstones) * 2048 }
        return try store.merge(snapshotID: metadata.snapshotID, signerKeyID: signer.keyID, ownKeyIDs: opened.ownKeyIDs,
                               personOfKey: opened.personOfKey, incomingBytes: incomingBytes) { session in
            report.alreadyMerged = try session.ledgerContains(snapshotID: metadata.snapshotID)
            if !report.alreadyMerged, let highest = try session.highestSequence(signerKeyID: signer.keyID) {
                report.replay = metadata.sequence <= highest
            }
            if application != nil, report.alreadyMerged, let recorded = try session.ledgerDigest(snapshotID: metadata.snapshotID) {
                // The same snapshot again: authenticate it, and recognise the very bytes merged before.
                try Self.recogniseMerged(decryptor, metadata: metadata, signingKey: signingKey, recordedDigest: recorded, report: &report,
                                         progress: progress)
                return (report, false)
            }
            let apply = application != nil && !report.alreadyMerged
            // An older snapshot of a signer whose newer one was merged never overwrites rows.
            let policy: ConflictPolicy = report.replay ? .keepLocal : (application?.policy ?? .keepLocal)
            let trust = AuthorTrust(signerKeyID: signer.keyID, signerIsOwn: opened.ownKeyIDs.contains(signer.keyID), keys: opened.authorKeys)
            let lines = RecordPipeline(decryptor: decryptor, context: .init(metadata: metadata, trust: trust, prepareColumns: apply))
            let total = metadata.count + metadata.tombstones
            let secretScan = apply && application?.findSecrets == true ? StoredSecretScan() : nil
            while let parsed = try lines.next() {
                if parsed.record != nil { report.records += 1 } else { report.tombstones += 1 }
                let admission = try session.admit(parsed.id, applying: apply, insertsRecord: parsed.record != nil && parsed.refusal == nil)
                guard admission != .duplicate else { throw SnapshotError.duplicateID(line: parsed.line, id: parsed.id) }
                if apply {
                    if let refusal = parsed.refusal {
                        try session.refuse(parsed.id, admission: admission, forged: refusal == .forgedAuthor)
                    } else if let record = parsed.record {
                        let outcome: MergeOutcome
                        do {
                            outcome = try session.apply(record, columns: parsed.columns, admission: admission, policy: policy,
                                                        author: parsed.author, signature: parsed.signature)
                        } catch is MergeSession.RepeatedID {
                            throw SnapshotError.duplicateID(line: parsed.line, id: parsed.id)
                        }
                        if let secretScan, outcome == .added || outcome == .conflictReplaced {
                            secretScan.add(record, author: parsed.author, columns: parsed.columns)
                        }
                    } else {
                        try session.applyTombstone(parsed.tombstone!, admission: admission)
                    }
                }
                let done = report.records + report.tombstones
                if let progress, done % 1000 == 0 { progress(done, total) }
            }
            guard report.records + report.tombstones == total else {
                throw SnapshotError.countMismatch(declared: total, actual: report.records + report.tombstones)
            }
            if let secretScan {
                let secrets = try secretScan.finish()
                (report.secrets, report.secretCount) = (secrets.findings, secrets.count)
            }
            guard try decryptor.verifySignature(publicKey: signingKey) else {
                throw SnapshotError.signatureInvalid
            }
            report.signatureValid = true
            if report.alreadyMerged, let recorded = try session.ledgerDigest(snapshotID: metadata.snapshotID) {
                // `verify` of a merged id: only the very bytes merged before count as "already merged".
                try Self.requireRecordedContent(decryptor, metadata: metadata, recordedDigest: recorded)
            }
            report.counts = session.counts
            if let base = metadata.base, !report.alreadyMerged,
               try !session.ledgerContains(snapshotID: base.snapshotID, signerKeyIDs: opened.signerKeyIDs) {
                report.missingBase = base
            }
            var commit = false
            if let application, !report.alreadyMerged {
                try session.recordInLedger(signerName: signer.name, sequence: metadata.sequence, createdAt: metadata.createdAt,
                                           contentDigest: try decryptor.contentDigest().map(Hex.encode))
                commit = !application.dryRun
            }
            report.committed = commit
            return (report, commit)
        }
    }

    /// Merging a snapshot the ledger already holds: every stream check, the line
    /// count and the signature, and then its content digest must be the one the
    /// ledger recorded — the records were validated and applied when those bytes
    /// were first merged, so nothing is parsed or applied again. Another content
    /// under a merged snapshot's id is refused.
    static func recogniseMerged(_ decryptor: SnapshotDecryptor, metadata: SnapshotMetadata, signingKey: Ed25519.PublicKey,
                                recordedDigest: String, report: inout SnapshotReadReport, progress: ((Int, Int) -> Void)?) throws {
        let total = metadata.count + metadata.tombstones
        var lines = 0
        while let line = try decryptor.nextLine() {
            lines += 1
            if let progress, lines % 1000 == 0 { progress(lines, total) }
            guard !line.isEmpty else { throw SnapshotError.invalidPayload(line: decryptor.lineNumber, reason: "blank line") }
            guard lines <= total else { throw SnapshotError.countMismatch(declared: total, actual: lines) }
        }
        guard lines == total else { throw SnapshotError.countMismatch(declared: total, actual: lines) }
        report.records = metadata.count
        report.tombstones = metadata.tombstones
        guard try decryptor.verifySignature(publicKey: signingKey) else { throw SnapshotError.signatureInvalid }
        report.signatureValid = true
        try Self.requireRecordedContent(decryptor, metadata: metadata, recordedDigest: recordedDigest)
    }

    /// The snapshot's signed content must be the very content the ledger recorded
    /// under its id; anything else is another snapshot reusing the id.
    static func requireRecordedContent(_ decryptor: SnapshotDecryptor, metadata: SnapshotMetadata, recordedDigest: String) throws {
        guard let digest = try decryptor.contentDigest(), ConstantTime.equals(Array(Hex.encode(digest).utf8), Array(recordedDigest.utf8)) else {
            throw SnapshotError.reusedSnapshotID(metadata.snapshotID)
        }
    }

    /// The header must hold one stanza per signed recipient (a stanza added or stripped breaks this).
    static func checkStanzaCount(_ metadata: SnapshotMetadata, _ decryptor: SnapshotDecryptor) throws {
        guard metadata.recipients.count == decryptor.recipientCount else {
            throw SnapshotError.malformedHeader("\(decryptor.recipientCount) recipient stanzas, but the signed metadata lists \(metadata.recipients.count) recipients")
        }
    }

    static func parse(_ line: ArraySlice<UInt8>, line number: Int) throws(SnapshotError) -> JSONValue {
        let result: Result<JSONValue, JSONSyntaxError> = line.withUnsafeBufferPointer { buffer in
            do throws(JSONSyntaxError) { return .success(try JSONParser.parse(buffer)) } catch { return .failure(error) }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw .invalidPayload(line: number, reason: "\(error.reason) (column \(error.column))")
        }
    }
}
