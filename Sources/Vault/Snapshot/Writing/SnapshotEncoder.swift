import AIMemCore
import Sodium

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
        var stanzas: [[UInt8]] = []
        for (index, recipient) in try entropy.order(recipients).enumerated() {
            stanzas.append(try entropy.seal(fileKey, to: recipient, index: index))
        }
        let header = SnapshotHeader(stanzas: stanzas, streamHeader: pusher.header).bytes
        self.header = header
        try sink.write(header)
        try signature.update(header)
        chunks = ChunkWriter(pusher: pusher, sink: sink)
    }

    /// Signs and encrypts plaintext bytes.
    func add(_ bytes: [UInt8]) throws {
        try hash(bytes)
        try encrypt(bytes)
    }

    /// The signing half of `add`. `hash` and `encrypt` touch separate state: each may
    /// run on a thread of its own, given the same bytes in the same order.
    func hash(_ bytes: [UInt8]) throws {
        try signature.update(bytes)
    }

    /// The encrypting half of `add`.
    func encrypt(_ bytes: [UInt8]) throws {
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
