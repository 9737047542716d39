import AIMemCore
import Foundation
import MemoryStore
import Sodium

/// Who signed a snapshot, as the reader's identity and keyring see it.
public struct SignerInfo: Sendable, Equatable {
    public enum Trust: Sendable, Equatable {
        /// One of the reader's own keys (current or retired).
        case you
        case trusted
        case revoked
        case untrusted
    }

    public var keyID: String
    /// The keyring name, your own name, or the name the snapshot claims (untrusted).
    public var name: String
    public var trust: Trust
    /// The key to verify with: from the reader's identity or keyring, never from the file.
    public var key: PublicIdentity?
}

/// What reading a snapshot found and did.
public struct SnapshotReadReport: Sendable, Equatable {
    public var metadata: SnapshotMetadata
    public var signer: SignerInfo
    /// The reader's key that opened the snapshot.
    public var readerKeyID: String
    /// Whether the reader's key is in the signed recipient list.
    public var addressedToReader: Bool
    /// nil when it could not be checked (unknown signer, `inspect`).
    public var signatureValid: Bool?
    /// Records read (and applied, for a merge).
    public var records = 0
    public var counts = MergeCounts()
    public var alreadyMerged = false
    /// An older snapshot from a signer whose newer one was already merged.
    public var replay = false
    public var committed = false
    /// Names of the recipients known to the reader, by key id.
    public var recipientNames: [String: String] = [:]
}

/// Encrypted, signed snapshots of a memory store: export to recipients, and
/// merge / verify / inspect with every check of docs/FORMAT.md §6.
public final class SnapshotVault {
    public let store: MemoryStore
    public let keys: KeyStore
    public let passphrases: PassphraseSources

    public init(store: MemoryStore, keys: KeyStore, passphrases: PassphraseSources) {
        self.store = store
        self.keys = keys
        self.passphrases = passphrases
    }

    public enum ReadMode: Sendable, Equatable {
        /// Apply and commit (or roll back with `dryRun`).
        case merge(policy: ConflictPolicy, dryRun: Bool)
        /// Every check of a merge, nothing applied.
        case verify
        /// Decrypt and describe; trust is reported, not required.
        case inspect
    }

    // MARK: Export

    /// Resolves recipients, unlocks your key and writes a snapshot.
    public func export(to destination: OutputDestination, recipients specs: [String], includeSelf: Bool, filter: ObservationFilter,
                       progress: ((Int, Int) -> Void)? = nil) throws -> (report: SnapshotExportReport, recipients: [Recipient], warnings: [String]) {
        let ownFile = try keys.identityFile()
        let (recipients, warnings) = try Recipients.resolve(specs, keyring: try keys.keyring(), own: ownFile.publicIdentity, includeSelf: includeSelf)
        let passphrase = ownFile.isProtected ? try passphrases.obtain(purpose: "unlock your key \(ownFile.keyID) to sign") : nil
        let identity = try ownFile.open(passphrase: passphrase)
        let report = try destination.write(mode: 0o600) { sink in
            try SnapshotWriter.write(store: store, signer: identity, signerName: ownFile.name, recipients: recipients.map(\.key),
                                     filter: filter, to: sink, progress: progress)
        }
        return (report, recipients, warnings)
    }

    // MARK: Reading

    public func read(_ source: InputSource, mode: ReadMode, progress: ((Int, Int) -> Void)? = nil) throws -> SnapshotReadReport {
        let reader = try source.openByteReader()
        let ownFile = try keys.identityFile()
        let passphrase = ownFile.isProtected ? try passphrases.obtain(purpose: "unlock your key \(ownFile.keyID) to decrypt") : nil
        let current = try ownFile.open(passphrase: passphrase)
        let retiredFiles = try keys.retiredKeyFiles()
        let decryptor = try SnapshotDecryptor(reader: reader, keys: [current]) {
            // Retired keys (from `keys rotate`) are unlocked only when the current one does not open the snapshot.
            retiredFiles.reversed().compactMap { try? $0.open(passphrase: $0.isProtected ? passphrase : nil) }
        }

        guard let firstLine = try decryptor.nextLine() else {
            throw SnapshotError.invalidPayload(line: 1, reason: "no metadata line")
        }
        let metadata = try SnapshotMetadata.decode(Self.parse(firstLine, line: 1))
        let ownKeys = [ownFile.publicIdentity] + retiredFiles.map(\.publicIdentity)
        let keyring = try keys.keyring()
        let signer = Self.signer(of: metadata, own: ownKeys, ownName: ownFile.name, keyring: keyring)
        var report = SnapshotReadReport(
            metadata: metadata, signer: signer, readerKeyID: decryptor.openedWith.keyID,
            addressedToReader: metadata.recipients.contains(decryptor.openedWith.keyID))
        for id in metadata.recipients {
            if ownKeys.contains(where: { $0.keyID == id }) { report.recipientNames[id] = "you" }
            else if let e = keyring.entry(keyID: id) { report.recipientNames[id] = e.name }
        }

        if mode == .inspect {
            try Self.checkStanzaCount(metadata, decryptor)
            while try decryptor.nextLine() != nil { report.records += 1 }
            if let key = signer.key {
                report.signatureValid = try decryptor.verifySignature(publicKey: key.signingKey)
            }
            return report
        }

        switch signer.trust {
        case .untrusted: throw SnapshotError.untrustedSigner(keyID: metadata.exporterKeyID, claimedName: metadata.exporterName)
        case .revoked: throw SnapshotError.revokedSigner(name: signer.name, keyID: signer.keyID)
        case .you, .trusted: break
        }
        guard report.addressedToReader else { throw SnapshotError.forwarded(keyID: decryptor.openedWith.keyID) }
        try Self.checkStanzaCount(metadata, decryptor)
        let signingKey = signer.key!.signingKey

        return try store.merge(snapshotID: metadata.snapshotID, signerKeyID: signer.keyID) { session in
            report.alreadyMerged = try session.ledgerContains(snapshotID: metadata.snapshotID)
            if !report.alreadyMerged, let highest = try session.highestSequence(signerKeyID: signer.keyID) {
                report.replay = metadata.sequence <= highest
            }
            var policy: ConflictPolicy = .keepLocal
            var apply = false
            if case .merge(let chosen, _) = mode {
                policy = report.replay ? .keepLocal : chosen
                apply = !report.alreadyMerged
            }
            if case .merge = mode, report.alreadyMerged, let recorded = try session.ledgerDigest(snapshotID: metadata.snapshotID) {
                // The same snapshot again: authenticate it, and recognise the very bytes merged before.
                try Self.recogniseMerged(decryptor, metadata: metadata, signingKey: signingKey, recordedDigest: recorded, report: &report,
                                         progress: progress)
                return (report, false)
            }
            let expected = (model: metadata.embeddingModel, dim: metadata.embeddingDimension)
            let records = RecordPipeline(decryptor: decryptor, declaredCount: metadata.count, expected: expected, prepareColumns: apply)
            while let parsed = try records.next() {
                report.records += 1
                let admission = try session.admit(parsed.record.id, applying: apply)
                guard admission != .duplicate else { throw SnapshotError.duplicateID(line: parsed.line, id: parsed.record.id) }
                if apply { try session.apply(parsed.record, columns: parsed.columns, admission: admission, policy: policy) }
                if let progress, report.records % 1000 == 0 { progress(report.records, metadata.count) }
            }
            guard report.records == metadata.count else {
                throw SnapshotError.countMismatch(declared: metadata.count, actual: report.records)
            }
            guard try decryptor.verifySignature(publicKey: signingKey) else {
                throw SnapshotError.signatureInvalid
            }
            report.signatureValid = true
            report.counts = session.counts
            var commit = false
            if case .merge(_, let dryRun) = mode, !report.alreadyMerged {
                try session.recordInLedger(signerName: signer.name, sequence: metadata.sequence, createdAt: metadata.createdAt,
                                           contentDigest: try decryptor.contentDigest().map(Hex.encode))
                commit = !dryRun
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
        while let line = try decryptor.nextLine() {
            report.records += 1
            if let progress, report.records % 1000 == 0 { progress(report.records, metadata.count) }
            guard !line.isEmpty else { throw SnapshotError.invalidPayload(line: decryptor.lineNumber, reason: "blank line") }
            guard report.records <= metadata.count else {
                throw SnapshotError.countMismatch(declared: metadata.count, actual: report.records)
            }
        }
        guard report.records == metadata.count else {
            throw SnapshotError.countMismatch(declared: metadata.count, actual: report.records)
        }
        guard try decryptor.verifySignature(publicKey: signingKey) else { throw SnapshotError.signatureInvalid }
        report.signatureValid = true
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

    static func signer(of metadata: SnapshotMetadata, own: [PublicIdentity], ownName: String, keyring: Keyring) -> SignerInfo {
        if let key = own.first(where: { $0.keyID == metadata.exporterKeyID }) {
            return SignerInfo(keyID: key.keyID, name: ownName, trust: .you, key: key)
        }
        if let entry = keyring.entry(keyID: metadata.exporterKeyID) {
            return SignerInfo(keyID: entry.keyID, name: entry.name, trust: entry.isRevoked ? .revoked : .trusted, key: entry.publicIdentity)
        }
        return SignerInfo(keyID: metadata.exporterKeyID, name: metadata.exporterName, trust: .untrusted, key: nil)
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
