import AIMemCore
import Sodium

/// The snapshot signature (docs/FORMAT.md §5): BLAKE2b-512 over the header and the
/// whole plaintext, then pure Ed25519 over the domain string and that digest — the
/// prehash construction of minisign, chosen because BLAKE2b runs about twice as
/// fast as the SHA-512 of Ed25519ph on this machine class.
final class SnapshotSignature: @unchecked Sendable {
    private let hasher: BLAKE2b.Hasher
    private var finished: [UInt8]? = nil
    private let domain: [UInt8]

    /// `domain` is the signed message's prefix; only test vectors pass another one.
    init(domain: [UInt8] = SnapshotFormat.signatureDomain) throws(SodiumError) {
        self.domain = domain
        hasher = try BLAKE2b.Hasher(outputLength: 64)
    }

    func update(_ bytes: UnsafeRawBufferPointer) throws(SodiumError) { try hasher.update(bytes) }
    func update(_ bytes: [UInt8]) throws(SodiumError) { try hasher.update(bytes) }

    /// The BLAKE2b-512 digest of everything given (no update afterwards).
    func digest() throws(SodiumError) -> [UInt8] {
        if let finished { return finished }
        let value = try hasher.finish()
        finished = value
        return value
    }

    /// The message Ed25519 signs: the domain, then the 64-byte digest.
    func message() throws(SodiumError) -> [UInt8] { domain + (try digest()) }

    /// Signs; no update afterwards.
    func sign(with keyPair: Ed25519.KeyPair) throws(SodiumError) -> [UInt8] {
        try keyPair.sign(message())
    }

    /// Verifies with a key from the reader's identity or keyring; no update afterwards.
    func verify(signature: [UInt8], publicKey: Ed25519.PublicKey) throws(SodiumError) -> Bool {
        Ed25519.verify(signature: signature, message: try message(), publicKey: publicKey)
    }
}
