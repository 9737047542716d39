import AIMemCore
import Sodium

/// A full identity: two independent 32-byte seeds (never one converted into the
/// other, as libsodium advises), from which the signing and encryption key pairs
/// are derived.
public struct SecretIdentity: Sendable {
    /// Ed25519 seed ‖ X25519 seed.
    public let seeds: SecretBytes
    public let signing: Ed25519.KeyPair
    public let encryption: X25519.KeyPair
    public var publicIdentity: PublicIdentity {
        PublicIdentity(signingKey: signing.publicKey, encryptionKey: encryption.publicKey)
    }

    public static let seedsBytes = 64

    /// A new identity from fresh random seeds.
    public static func generate() -> SecretIdentity {
        try! SecretIdentity(seeds: SecretBytes.random(count: seedsBytes))
    }

    public init(seeds: SecretBytes) throws(VaultError) {
        guard seeds.count == Self.seedsBytes else {
            throw .crypto(.invalidLength(what: "identity seeds", expected: Self.seedsBytes, actual: seeds.count))
        }
        self.seeds = seeds
        do throws(SodiumError) {
            signing = try Ed25519.KeyPair(seed: seeds.slice(0..<32))
            encryption = try X25519.KeyPair(seed: seeds.slice(32..<64))
        } catch {
            throw .crypto(error)
        }
    }
}
