internal import CSodium

/// Ed25519 signatures (libsodium `crypto_sign_*`), pure Ed25519 only: the
/// pre-hashed variant Ed25519ph (`crypto_sign_init/update/final`) is not offered,
/// since docs/FORMAT.md refuses it.
public enum Ed25519 {
    public static let publicKeyBytes = Int(crypto_sign_publickeybytes())
    public static let secretKeyBytes = Int(crypto_sign_secretkeybytes())
    public static let seedBytes = Int(crypto_sign_seedbytes())
    public static let signatureBytes = Int(crypto_sign_bytes())

    public struct PublicKey: Sendable, Hashable {
        public let bytes: [UInt8]

        /// Checks the length only; `isUsable` tells whether the point can be a real key.
        public init(bytes: [UInt8]) throws(SodiumError) {
            guard bytes.count == Ed25519.publicKeyBytes else {
                throw .invalidLength(what: "Ed25519 public key", expected: Ed25519.publicKeyBytes, actual: bytes.count)
            }
            self.bytes = bytes
        }

        /// True when the key is a canonically encoded point of the main subgroup, not
        /// of small order (`crypto_core_ed25519_is_valid_point`): no genuine key
        /// pair has any other public key.
        public var isUsable: Bool {
            Sodium.ensureInitialized()
            return crypto_core_ed25519_is_valid_point(bytes) == 1
        }
    }

    /// A signing key pair; the secret half lives in guarded memory.
    public struct KeyPair: Sendable {
        public let publicKey: PublicKey
        public let secretKey: SecretBytes

        /// Derives the key pair from a 32-byte seed (deterministic).
        public init(seed: SecretBytes) throws(SodiumError) {
            Sodium.ensureInitialized()
            guard seed.count == Ed25519.seedBytes else {
                throw .invalidLength(what: "Ed25519 seed", expected: Ed25519.seedBytes, actual: seed.count)
            }
            var pk = [UInt8](repeating: 0, count: Ed25519.publicKeyBytes)
            let sk = SecretBytes(count: Ed25519.secretKeyBytes)
            let status = seed.withUnsafeBytes { s in
                sk.withUnsafeMutableBytes { skp in
                    crypto_sign_seed_keypair(&pk, skp.baseAddress!.assumingMemoryBound(to: UInt8.self), s.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            try check(status, "crypto_sign_seed_keypair")
            publicKey = try PublicKey(bytes: pk)
            secretKey = sk
        }

        /// A detached signature of `message`.
        public func sign(_ message: [UInt8]) throws(SodiumError) -> [UInt8] {
            var signature = [UInt8](repeating: 0, count: Ed25519.signatureBytes)
            let status = message.withUnsafeBufferPointer { m in
                secretKey.withUnsafeBytes { sk in
                    crypto_sign_detached(&signature, nil, m.baseAddress ?? emptyPointer, UInt64(m.count), sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            try check(status, "crypto_sign_detached")
            return signature
        }
    }

    /// True when `signature` is a valid detached signature of `message` by `publicKey`.
    public static func verify(signature: [UInt8], message: [UInt8], publicKey: PublicKey) -> Bool {
        Sodium.ensureInitialized()
        guard signature.count == signatureBytes else { return false }
        return message.withUnsafeBufferPointer { m in
            crypto_sign_verify_detached(signature, m.baseAddress ?? emptyPointer, UInt64(m.count), publicKey.bytes) == 0
        }
    }

    /// An Ed25519ph signature (RFC 8032 §5.1, the pre-hashed variant) of `message`:
    /// only for the test vector that proves readers refuse it.
    @_spi(TestVectors)
    public static func prehashedSignature(of message: [UInt8], with keyPair: KeyPair) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        var state = crypto_sign_state()
        defer { withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress!, $0.count) } }
        try check(crypto_sign_init(&state), "crypto_sign_init")
        try check(message.withUnsafeBufferPointer { crypto_sign_update(&state, $0.baseAddress ?? emptyPointer, UInt64($0.count)) },
                  "crypto_sign_update")
        var signature = [UInt8](repeating: 0, count: signatureBytes)
        let status = keyPair.secretKey.withUnsafeBytes { sk in
            crypto_sign_final_create(&state, &signature, nil, sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        try check(status, "crypto_sign_final_create")
        return signature
    }
}
