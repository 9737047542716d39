import AIMemCore
import Sodium

/// Author signatures of record versions and tombstones (docs/FORMAT.md §4.6):
/// Ed25519 over `prefix ‖ 0x00 ‖ key_id ‖ BLAKE2b-512(SignedEncoding)`.
public enum AuthorSignature {
    public static let byteCount = 64
    static let recordPrefix = Array("ai-mem record v2".utf8)
    static let tombstonePrefix = Array("ai-mem tombstone v2".utf8)

    static func message(prefix: [UInt8], keyID: String, encoding: [UInt8]) throws -> [UInt8] {
        prefix + [0] + Array(keyID.utf8) + (try BLAKE2b.hash(encoding, outputLength: 64))
    }

    public static func recordMessage(_ record: Observation, keyID: String) throws -> [UInt8] {
        try message(prefix: recordPrefix, keyID: keyID, encoding: SignedEncoding.record(record))
    }

    public static func tombstoneMessage(id: String, deletedAt: Double, keyID: String) throws -> [UInt8] {
        try message(prefix: tombstonePrefix, keyID: keyID, encoding: SignedEncoding.tombstone(id: id, deletedAt: deletedAt))
    }

    /// Signs a record version as `author`.
    public static func sign(_ record: Observation, as author: SecretIdentity) throws -> [UInt8] {
        try author.signing.sign(recordMessage(record, keyID: author.publicIdentity.keyID))
    }

    /// Signs a tombstone as `author`.
    public static func signTombstone(id: String, deletedAt: Double, as author: SecretIdentity) throws -> [UInt8] {
        try author.signing.sign(tombstoneMessage(id: id, deletedAt: deletedAt, keyID: author.publicIdentity.keyID))
    }

    /// Whether `signature` is `key`'s over the record version.
    public static func verify(_ signature: [UInt8], record: Observation, key: PublicIdentity) throws -> Bool {
        guard signature.count == byteCount else { return false }
        return Ed25519.verify(signature: signature, message: try recordMessage(record, keyID: key.keyID), publicKey: key.signingKey)
    }

    /// Whether `signature` is `key`'s over the tombstone.
    public static func verifyTombstone(_ signature: [UInt8], id: String, deletedAt: Double, key: PublicIdentity) throws -> Bool {
        guard signature.count == byteCount else { return false }
        return Ed25519.verify(signature: signature, message: try tombstoneMessage(id: id, deletedAt: deletedAt, keyID: key.keyID),
                              publicKey: key.signingKey)
    }
}
