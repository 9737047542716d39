import AIMemCore
import Foundation
import MemoryStore
@_spi(TestVectors) import Sodium

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
            written = try store.withRecordLines(filter) { count, next -> Int in
                let metadata = SnapshotMetadata(
                    snapshotID: snapshotID, createdAt: now, exporterKeyID: signer.publicIdentity.keyID, exporterName: signerName,
                    exporterPublicKey: signer.publicIdentity.keyLine, sequence: sequence, recipients: recipientIDs, filter: filter,
                    count: count, embeddingModel: store.embedder.modelID, embeddingDimension: store.embedder.dimension)
                var blockWriter = BlockWriter(handoff: blocks)
                var line = JSONWriter(reservingCapacity: 8192)
                line.write(metadata.json)
                line.append(0x0A)
                try blockWriter.write(line.bytes)
                var buffer: [UInt8] = []
                buffer.reserveCapacity(1 << 17)
                var records = 0
                while try next(&buffer) {
                    records += 1
                    if buffer.count >= 1 << 16 {
                        try blockWriter.write(buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                    if let progress, records % 1000 == 0 { progress(records, count) }
                }
                try blockWriter.write(buffer)
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

/// The encrypting and signing half of a snapshot writer, for any plaintext:
/// writes the header at once, then chunks and signs what it is given.
final class SnapshotEncoder: @unchecked Sendable {
    let header: [UInt8]
    private let signature: SnapshotSignature
    private var chunks: ChunkWriter

    init(recipients: [PublicIdentity], sink: ByteSink, entropy: SnapshotEntropy = .system,
         signature: SnapshotSignature? = nil) throws {
        let signature = try signature ?? SnapshotSignature()
        self.signature = signature
        guard !recipients.isEmpty else { throw SnapshotError.noRecipients }
        guard recipients.count <= SnapshotFormat.maxRecipients else { throw SnapshotError.tooManyRecipients(recipients.count) }
        let fileKey = try entropy.fileKey()
        let pusher = try entropy.pusher(key: fileKey)
        var header = SnapshotFormat.magic + [SnapshotFormat.version]
        header += [UInt8(recipients.count & 0xFF), UInt8(recipients.count >> 8)]
        for (index, recipient) in try entropy.order(recipients).enumerated() {
            header += try entropy.seal(fileKey, to: recipient, index: index)
        }
        header += pusher.header
        self.header = header
        try sink.write(header)
        try signature.update(header)
        chunks = ChunkWriter(pusher: pusher, sink: sink)
    }

    /// Signs and encrypts plaintext bytes.
    func add(_ bytes: [UInt8]) throws {
        try signature.update(bytes)
        try chunks.add(bytes)
    }

    /// Signs with `signer` and writes the final chunk.
    func finish(signer: SecretIdentity) throws {
        try chunks.finish(signature: signature.sign(with: signer.signing))
    }

    /// Writes the final chunk with a given 64-byte trailer instead of a signature (tests and vectors).
    func finish(trailer: [UInt8]) throws {
        try chunks.finish(signature: trailer)
    }
}

/// Where a snapshot's random values come from: the system (always, in ai-mem), or
/// a seed, so that the test-vector generator reproduces its files byte for byte.
enum SnapshotEntropy {
    case system
    case seeded([UInt8])

    func derive(_ label: String, _ count: Int) throws(SodiumError) -> [UInt8] {
        guard case .seeded(let seed) = self else { return RandomBytes.generate(count: count) }
        let key = try BLAKE2b.hash(Array("ai-mem test vector seed".utf8) + seed, outputLength: 32)
        return try BLAKE2b.hash(Array(label.utf8), outputLength: count, key: key)
    }

    func fileKey() throws(SodiumError) -> SecretBytes {
        switch self {
        case .system: return SecretBytes.random(count: SnapshotFormat.fileKeyBytes)
        case .seeded: return SecretBytes(copying: try derive("file key", SnapshotFormat.fileKeyBytes))
        }
    }

    func pusher(key: SecretBytes) throws -> SecretStream.Pusher {
        switch self {
        case .system: return try SecretStream.Pusher(key: key)
        case .seeded: return try SecretStream.Pusher(testVectorKey: key, header: try derive("stream header", SecretStream.headerBytes))
        }
    }

    /// The stanza order: shuffled (the system's randomness), or by a seeded sort.
    func order(_ recipients: [PublicIdentity]) throws(SodiumError) -> [PublicIdentity] {
        switch self {
        case .system:
            var generator = SodiumRandomNumberGenerator()
            return recipients.shuffled(using: &generator)
        case .seeded:
            var sortKeys: [String: [UInt8]] = [:]
            for recipient in recipients { sortKeys[recipient.keyID] = try derive("order " + recipient.keyID, 16) }
            return recipients.sorted { sortKeys[$0.keyID]!.lexicographicallyPrecedes(sortKeys[$1.keyID]!) }
        }
    }

    func seal(_ fileKey: SecretBytes, to recipient: PublicIdentity, index: Int) throws -> [UInt8] {
        switch self {
        case .system: return try X25519.seal(fileKey, to: recipient.encryptionKey)
        case .seeded:
            return try X25519.seal(fileKey, to: recipient.encryptionKey,
                                   testVectorEphemeralSeed: SecretBytes(copying: try derive("ephemeral \(index)", X25519.seedBytes)))
        }
    }
}

/// Cuts the plaintext into 64 KiB MESSAGE chunks; the rest and the signature form
/// the FINAL chunk (the rest may need a shorter MESSAGE chunk of its own). Each
/// chunk is written as its length (u32 LE) and its ciphertext. One full chunk is
/// always held back, so that the final chunk can take the signature whole.
struct ChunkWriter {
    let pusher: SecretStream.Pusher
    let sink: ByteSink
    /// Plaintext not yet encrypted: at most one chunk once `add` returns.
    private var pending: [UInt8] = []
    private var ciphertext: [UInt8] = []

    init(pusher: SecretStream.Pusher, sink: ByteSink) {
        self.pusher = pusher
        self.sink = sink
        pending.reserveCapacity(SnapshotFormat.chunkBytes * 2)
        ciphertext.reserveCapacity(SnapshotFormat.chunkBytes + SecretStream.overhead + 4)
    }

    mutating func add(_ bytes: [UInt8]) throws {
        // The common case of the export pipeline: whole chunks, nothing pending but
        // a held chunk — encrypt the held one and hold the new one, without copying.
        if bytes.count == SnapshotFormat.chunkBytes && (pending.isEmpty || pending.count == SnapshotFormat.chunkBytes) {
            if !pending.isEmpty { try pending.withUnsafeBytes { try emit($0, tag: .message) } }
            pending = bytes
            return
        }
        pending.append(contentsOf: bytes)
        var offset = 0
        while pending.count - offset > SnapshotFormat.chunkBytes {
            try pending.withUnsafeBytes { raw in
                try emit(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + SnapshotFormat.chunkBytes)]), tag: .message)
            }
            offset += SnapshotFormat.chunkBytes
        }
        if offset > 0 { pending.removeSubrange(0..<offset) }
    }

    /// The final chunk holds the signature whole: when the rest and the signature do
    /// not fit in one chunk, the rest goes out first as a shorter MESSAGE chunk.
    mutating func finish(signature: [UInt8]) throws {
        if !pending.isEmpty && pending.count + signature.count > SnapshotFormat.chunkBytes {
            try pending.withUnsafeBytes { try emit($0, tag: .message) }
            pending.removeAll()
        }
        pending.append(contentsOf: signature)
        try pending.withUnsafeBytes { try emit($0, tag: .final) }
        pending.removeAll()
    }

    private mutating func emit(_ plaintext: UnsafeRawBufferPointer, tag: SecretStream.Tag) throws {
        ciphertext.removeAll(keepingCapacity: true)
        // Each chunk is framed by its ciphertext length (u32 little-endian).
        let length = UInt32(plaintext.count + SecretStream.overhead)
        ciphertext.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)])
        try pusher.push(plaintext, tag: tag, into: &ciphertext)
        try sink.write(ciphertext)
    }
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
