import CSodium

/// X25519 key pairs and anonymous sealed boxes (libsodium `crypto_box_*`).
public enum X25519 {
    public static let publicKeyBytes = Int(crypto_box_publickeybytes())
    public static let secretKeyBytes = Int(crypto_box_secretkeybytes())
    public static let seedBytes = Int(crypto_box_seedbytes())
    /// Bytes a sealed box adds to its message.
    public static let sealOverhead = Int(crypto_box_sealbytes())

    public struct PublicKey: Sendable, Hashable {
        public let bytes: [UInt8]

        public init(bytes: [UInt8]) throws(SodiumError) {
            guard bytes.count == X25519.publicKeyBytes else {
                throw .invalidLength(what: "X25519 public key", expected: X25519.publicKeyBytes, actual: bytes.count)
            }
            self.bytes = bytes
        }
    }

    public struct KeyPair: Sendable {
        public let publicKey: PublicKey
        public let secretKey: SecretBytes

        /// Derives the key pair from a 32-byte seed (deterministic).
        public init(seed: SecretBytes) throws(SodiumError) {
            Sodium.ensureInitialized()
            guard seed.count == X25519.seedBytes else {
                throw .invalidLength(what: "X25519 seed", expected: X25519.seedBytes, actual: seed.count)
            }
            var pk = [UInt8](repeating: 0, count: X25519.publicKeyBytes)
            let sk = SecretBytes(count: X25519.secretKeyBytes)
            seed.withUnsafeBytes { s in
                sk.withUnsafeMutableBytes { skp in
                    _ = crypto_box_seed_keypair(&pk, skp.baseAddress!.assumingMemoryBound(to: UInt8.self), s.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            publicKey = try PublicKey(bytes: pk)
            secretKey = sk
        }

        /// Opens a sealed box addressed to this key pair; nil when it was not (or was altered).
        public func open(sealed: [UInt8]) -> SecretBytes? {
            guard sealed.count >= X25519.sealOverhead else { return nil }
            let plain = SecretBytes(count: sealed.count - X25519.sealOverhead)
            let ok = plain.withUnsafeMutableBytes { out in
                secretKey.withUnsafeBytes { sk in
                    crypto_box_seal_open(
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self), sealed, UInt64(sealed.count), publicKey.bytes,
                        sk.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0
                }
            }
            return ok ? plain : nil
        }
    }

    /// A sealed box made with a caller-chosen ephemeral seed, for reproducible test
    /// vectors only. Byte-compatible with `crypto_box_seal`: ephemeral key pair,
    /// nonce = BLAKE2b-192(ephemeral pk ‖ recipient pk), `crypto_box_easy`.
    public static func seal(_ message: SecretBytes, to recipient: PublicKey, testVectorEphemeralSeed seed: SecretBytes) throws(SodiumError) -> [UInt8] {
        let ephemeral = try KeyPair(seed: seed)
        var nonce = [UInt8](repeating: 0, count: Int(crypto_box_noncebytes()))
        let input = ephemeral.publicKey.bytes + recipient.bytes
        _ = crypto_generichash(&nonce, nonce.count, input, UInt64(input.count), nil, 0)
        var boxed = [UInt8](repeating: 0, count: message.count + Int(crypto_box_macbytes()))
        message.withUnsafeBytes { m in
            ephemeral.secretKey.withUnsafeBytes { sk in
                _ = crypto_box_easy(&boxed, m.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(m.count), nonce, recipient.bytes,
                                    sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return ephemeral.publicKey.bytes + boxed
    }

    /// Encrypts `message` anonymously to `recipient` (`crypto_box_seal`).
    public static func seal(_ message: SecretBytes, to recipient: PublicKey) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: message.count + sealOverhead)
        message.withUnsafeBytes { m in
            _ = crypto_box_seal(&out, m.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(m.count), recipient.bytes)
        }
        return out
    }
}
