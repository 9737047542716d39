import AIMemCore
@_spi(TestVectors) import Sodium

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
