import AIMemCore
import Foundation
import MemoryStore
import Sodium

/// What `snapshot export` wrote.
public struct SnapshotExportReport: Sendable, Equatable {
    public var snapshotID: String
    public var count: Int
    public var bytes: Int
    /// Key ids of the recipients, sorted.
    public var recipients: [String]
}

/// Streams observations into an encrypted, signed snapshot (docs/FORMAT.md):
/// header, then NDJSON through secretstream in 64 KiB chunks, the Ed25519
/// signature in the final chunk. Memory stays bounded by a few chunks and one record.
public enum SnapshotWriter {
    public static func write(
        store: MemoryStore, signer: SecretIdentity, signerName: String, recipients: [PublicIdentity],
        filter: ObservationFilter, to sink: ByteSink, now: Double = Date().timeIntervalSince1970,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> SnapshotExportReport {
        let sequence = try store.nextExportSequence(now: now)
        let snapshotID = UUIDString.random()
        let recipientIDs = Array(Set(recipients.map(\.keyID))).sorted()
        let encoder = try SnapshotEncoder(recipients: recipients, sink: sink)
        // Two threads: this one reads SQLite and writes NDJSON into 64 KiB blocks; a
        // worker hashes, encrypts and writes them. At most `blocksInFlight` wait.
        let blocks = Handoff<[UInt8]>(capacity: blocksInFlight)
        let worker = WorkerThread(name: "snapshot-encrypt") { [encoder] in
            do {
                while let block = blocks.take() { try encoder.add(block) }
            } catch {
                blocks.cancel()
                throw error
            }
        }
        var written = 0
        do {
            written = try store.withRecordLines(filter) { lines -> Int in
                let count = lines.count
                let metadata = SnapshotMetadata(
                    snapshotID: snapshotID, createdAt: now, exporterKeyID: signer.publicIdentity.keyID, exporterName: signerName,
                    exporterPublicKey: signer.publicIdentity.keyLine, sequence: sequence, recipients: recipientIDs, filter: filter,
                    count: count, embeddingModel: store.embedder.modelID, embeddingDimension: store.embedder.dimension)
                var blockWriter = BlockWriter(handoff: blocks)
                var line = JSONWriter(reservingCapacity: 8192)
                line.write(metadata.json)
                line.append(0x0A)
                try blockWriter.write(line.bytes)
                let records = try lines.write(progress: progress) { block in try blockWriter.write(block) }
                try blockWriter.flush()
                guard records == count else {
                    throw MemoryStoreError.database(path: store.home.databaseURL.path, reason: "read \(records) observations where the export counted \(count)")
                }
                return records
            }
        } catch {
            blocks.finish()
            // The worker's error (say, a full disk) is the cause when it stopped first.
            try worker.join()
            throw error
        }
        blocks.finish()
        try worker.join()
        try encoder.finish(signer: signer)
        try sink.flush()
        return SnapshotExportReport(snapshotID: snapshotID, count: written, bytes: sink.bytesWritten, recipients: recipientIDs)
    }

    static let blocksInFlight = 8

    /// Cuts plaintext into blocks of exactly one chunk and hands them over.
    struct BlockWriter {
        let handoff: Handoff<[UInt8]>
        private var block: [UInt8] = []

        init(handoff: Handoff<[UInt8]>) {
            self.handoff = handoff
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
            guard handoff.put(block) else { throw WorkerStopped() }
            block = []
            block.reserveCapacity(SnapshotFormat.chunkBytes)
        }
    }

    /// The encrypting worker stopped (its own error is the one to report).
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
