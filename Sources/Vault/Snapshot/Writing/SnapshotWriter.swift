import AIMemCore
import Foundation
import MemoryStore
import SecretScan
import Sodium

/// What `snapshot export` wrote.
public struct SnapshotExportReport: Sendable, Equatable {
    public var snapshotID: String
    public var count: Int
    /// Tombstones (deletions) carried.
    public var tombstones: Int = 0
    /// Selected rows left out: their times lie outside docs/FORMAT.md §4.7's bounds.
    public var outOfBounds: Int = 0
    public var bytes: Int
    /// Key ids of the recipients, sorted.
    public var recipients: [String]
    /// The snapshot's sequence, time and chain, and the write generation it saw.
    public var sequence: Int64 = 0
    public var createdAt: Double = 0
    public var chain: String = ""
    public var changeMark: Int64 = 0
    /// An increment: the snapshot it follows.
    public var base: SnapshotMetadata.Base?
    /// What the secret gate found and did.
    public var secrets = SecretGateReport()

    /// What the store remembers of it, as the base of the next increment.
    public var exportRecord: ExportRecord {
        ExportRecord(snapshotID: snapshotID, sequence: sequence, createdAt: createdAt, chain: chain, changeMark: changeMark,
                     baseSnapshotID: base?.snapshotID, records: count, tombstones: tombstones)
    }
}

/// Streams observations into an encrypted, signed snapshot (docs/FORMAT.md):
/// header, then payload-2 NDJSON (metadata, records with their authors, the
/// tombstones that travel) through secretstream in 64 KiB chunks, the Ed25519
/// signature in the final chunk. Memory stays bounded by a few chunks and one record.
public enum SnapshotWriter {
    /// `ownKeyIDs`: the store's own user's keys (with `signer`'s); their unsigned
    /// rows and tombstones are signed by `signer` first, once (§4.6). `base`: an
    /// incremental snapshot carrying only what was written since that export (§4.8).
    /// `secrets`: what to do with memories that hold secrets (§4.9), found by `scanner`.
    public static func write(
        store: MemoryStore, signer: SecretIdentity, signerName: String, recipients: [PublicIdentity],
        filter: ObservationFilter, ownKeyIDs: Set<String> = [], base: ExportRecord? = nil, naming: (sequence: Int64, snapshotID: String)? = nil,
        secrets: SecretPolicy = .allow, scanner: SecretScanner = .standard,
        to sink: ByteSink, now: Double = Date().timeIntervalSince1970,
        progress: ((Int, Int) -> Void)? = nil, signingProgress: ((Int, Int) -> Void)? = nil
    ) throws -> SnapshotExportReport {
        var filter = filter
        filter.changedAfter = base?.changeMark
        let own = ownKeyIDs.union([signer.publicIdentity.keyID])
        let keyID = signer.publicIdentity.keyID
        // Sign what the store's own user wrote since the last export. Another process
        // may add a row between this and the read below: then sign again (a few times).
        for attempt in 0... {
            try store.signOwnRows(filter, ownKeyIDs: own, as: keyID, progress: signingProgress) { try AuthorSignature.sign($0, as: signer) }
            try store.signOwnTombstones(as: keyID) { id, deletedAt in try AuthorSignature.signTombstone(id: id, deletedAt: deletedAt, as: signer) }
            if let report = try write(store: store, signer: signer, signerName: signerName, recipients: recipients, filter: filter,
                                      ownKeyIDs: own, base: base, naming: naming, secrets: secrets, scanner: scanner, sink: sink, now: now, progress: progress) {
                return report
            }
            if attempt == 3 { throw MemoryStoreError.busy(path: store.home.databaseURL.path) }
        }
        preconditionFailure()
    }

    /// One attempt: nil (nothing written) when an unsigned row of the store's own user appeared.
    private static func write(
        store: MemoryStore, signer: SecretIdentity, signerName: String, recipients: [PublicIdentity],
        filter: ObservationFilter, ownKeyIDs: Set<String>, base: ExportRecord?, naming: (sequence: Int64, snapshotID: String)?,
        secrets: SecretPolicy, scanner: SecretScanner, sink: ByteSink, now: Double, progress: ((Int, Int) -> Void)?
    ) throws -> SnapshotExportReport? {
        // A shared folder names the file after the snapshot before it is written.
        let sequence = try naming?.sequence ?? store.nextExportSequence(now: now)
        let snapshotID = naming?.snapshotID ?? UUIDString.random()
        let recipientIDs = Array(Set(recipients.map(\.keyID))).sorted()
        var written: (records: Int, tombstones: Int, outOfBounds: Int, mark: Int64, chain: String, secrets: SecretGateReport)? = nil
        let bounds = TimeBounds.range(reference: now)
        let baseRef = base.map { SnapshotMetadata.Base(snapshotID: $0.snapshotID, sequence: $0.sequence) }
        written = try store.withSnapshotLines(filter, ownKeyIDs: ownKeyIDs, timeBounds: bounds) { snapshot in
            // Secrets are looked for before a byte is written: a refusal leaves nothing behind.
            let (edits, gate) = try SecretGate.check(snapshot, policy: secrets, scanner: scanner, ownKeyIDs: ownKeyIDs, signer: signer)
            var metadata = SnapshotMetadata(
                snapshotID: snapshotID, createdAt: now, exporterKeyID: signer.publicIdentity.keyID, exporterName: signerName,
                exporterPublicKey: signer.publicIdentity.keyLine, sequence: sequence, recipients: recipientIDs, filter: filter,
                count: snapshot.records.count - edits.omitted.count, embeddingModel: store.embedder.modelID, embeddingDimension: store.embedder.dimension,
                payload: 2, tombstones: snapshot.tombstoneCount)
            metadata.base = baseRef
            return (try stream(snapshot, edits: edits, metadata: metadata, store: store, signer: signer, recipients: recipients, sink: sink, progress: progress),
                    snapshot.tombstoneCount, snapshot.outOfBounds, snapshot.changeMark, metadata.chain, gate)
        }
        guard let written else { return nil }
        var report = SnapshotExportReport(snapshotID: snapshotID, count: written.records, tombstones: written.tombstones,
                                          outOfBounds: written.outOfBounds, bytes: sink.bytesWritten, recipients: recipientIDs)
        report.sequence = sequence
        report.createdAt = now
        report.chain = written.chain
        report.changeMark = written.mark
        report.base = baseRef
        report.secrets = written.secrets
        return report
    }

    /// Header, metadata line, record and tombstone lines, signature.
    private static func stream(_ snapshot: SnapshotLines, edits: RecordEdits, metadata: SnapshotMetadata, store: MemoryStore, signer: SecretIdentity,
                               recipients: [PublicIdentity], sink: ByteSink, progress: ((Int, Int) -> Void)?) throws -> Int {
        let encoder = try SnapshotEncoder(recipients: recipients, sink: sink)
        // Three threads: this one reads SQLite and writes NDJSON into 64 KiB blocks;
        // one worker hashes them (BLAKE2b, for the signature), the other encrypts and
        // writes them, each given every block in order. At most `blocksInFlight` wait for each.
        let toHash = Handoff<[UInt8]>(capacity: blocksInFlight), toEncrypt = Handoff<[UInt8]>(capacity: blocksInFlight)
        let hasher = worker("snapshot-hash", toHash) { [encoder] in try encoder.hash($0) }
        let encryptor = worker("snapshot-encrypt", toEncrypt) { [encoder] in try encoder.encrypt($0) }
        func joinWorkers() throws {
            toHash.finish()
            toEncrypt.finish()
            // A worker's error (say, a full disk) is the cause when it stopped first.
            let hashed = Result { try hasher.join() }
            try encryptor.join()
            try hashed.get()
        }
        let records: Int
        do {
            var blockWriter = BlockWriter(handoffs: [toHash, toEncrypt])
            var line = JSONWriter(reservingCapacity: 8192)
            line.write(metadata.json)
            line.append(0x0A)
            try blockWriter.write(line.bytes)
            records = try snapshot.records.write(edits: edits, progress: progress) { block in try blockWriter.write(block) }
            let tombstones = try snapshot.writeTombstones { block in try blockWriter.write(block) }
            try blockWriter.flush()
            guard records == metadata.count, tombstones == metadata.tombstones else {
                throw MemoryStoreError.database(path: store.home.databaseURL.path,
                                                reason: "read \(records) observations and \(tombstones) tombstones where the export counted \(metadata.count) and \(metadata.tombstones)")
            }
        } catch {
            try joinWorkers()
            throw error
        }
        try joinWorkers()
        try encoder.finish(signer: signer)
        try sink.flush()
        return records
    }

    static let blocksInFlight = 32

    /// A thread applying `body` to each block of `blocks`, in order; after an error
    /// it takes no more (the writer's next hand-over fails) and `join` throws it.
    private static func worker(_ name: String, _ blocks: Handoff<[UInt8]>, _ body: @escaping ([UInt8]) throws -> Void) -> WorkerThread<Void> {
        WorkerThread(name: name) {
            do {
                while let block = blocks.take() { try body(block) }
            } catch {
                blocks.cancel()
                throw error
            }
        }
    }

    /// Cuts plaintext into blocks of exactly one chunk and hands each to every handoff.
    struct BlockWriter {
        let handoffs: [Handoff<[UInt8]>]
        private var block: [UInt8] = []

        init(handoffs: [Handoff<[UInt8]>]) {
            self.handoffs = handoffs
            block.reserveCapacity(SnapshotFormat.chunkBytes)
        }

        mutating func write(_ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let take = min(SnapshotFormat.chunkBytes - block.count, bytes.count - offset)
                block.append(contentsOf: bytes[offset..<offset + take])
                offset += take
                if block.count == SnapshotFormat.chunkBytes { try handOver() }
            }
        }

        mutating func flush() throws {
            if !block.isEmpty { try handOver() }
        }

        private mutating func handOver() throws {
            for handoff in handoffs { guard handoff.put(block) else { throw WorkerStopped() } }
            block = []
            block.reserveCapacity(SnapshotFormat.chunkBytes)
        }
    }

    /// A worker stopped (its own error is the one to report).
    struct WorkerStopped: Error {}
}

extension SnapshotWriter {
    /// Encrypts and signs arbitrary plaintext as a snapshot (for fuzzing and tests:
    /// real snapshots come from `write`, which produces valid NDJSON).
    @_spi(Testing)
    public static func seal(plaintext: [UInt8], signer: SecretIdentity, recipients: [PublicIdentity], to sink: ByteSink) throws {
        let encoder = try SnapshotEncoder(recipients: recipients, sink: sink)
        try encoder.add(plaintext)
        try encoder.finish(signer: signer)
        try sink.flush()
    }
}
