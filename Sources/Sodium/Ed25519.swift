import CSodium

/// Ed25519 signatures (libsodium `crypto_sign_*`).
public enum Ed25519 {
    public static let publicKeyBytes = Int(crypto_sign_publickeybytes())
    public static let secretKeyBytes = Int(crypto_sign_secretkeybytes())
    public static let seedBytes = Int(crypto_sign_seedbytes())
    public static let signatureBytes = Int(crypto_sign_bytes())

    public struct PublicKey: Sendable, Hashable {
        public let bytes: [UInt8]

        public init(bytes: [UInt8]) throws(SodiumError) {
            guard bytes.count == Ed25519.publicKeyBytes else {
                throw .invalidLength(what: "Ed25519 public key", expected: Ed25519.publicKeyBytes, actual: bytes.count)
            }
            self.bytes = bytes
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
            seed.withUnsafeBytes { s in
                sk.withUnsafeMutableBytes { skp in
                    _ = crypto_sign_seed_keypair(&pk, skp.baseAddress!.assumingMemoryBound(to: UInt8.self), s.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            publicKey = try PublicKey(bytes: pk)
            secretKey = sk
        }

        /// A detached signature of `message`.
        public func sign(_ message: [UInt8]) -> [UInt8] {
            var signature = [UInt8](repeating: 0, count: Ed25519.signatureBytes)
            message.withUnsafeBufferPointer { m in
                secretKey.withUnsafeBytes { sk in
                    _ = crypto_sign_detached(&signature, nil, m.baseAddress ?? emptyPointer, UInt64(m.count), sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
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

    /// Ed25519ph over a stream (`crypto_sign_init/update/final_create`): the
    /// message is absorbed in parts, then signed once.
    public final class StreamingSigner {
        private var state = crypto_sign_state()

        public init() {
            Sodium.ensureInitialized()
            crypto_sign_init(&state)
        }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            crypto_sign_update(&state, bytes.bindMemory(to: UInt8.self).baseAddress ?? emptyPointer, UInt64(bytes.count))
        }

        public func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        public func finish(with keyPair: KeyPair) -> [UInt8] {
            var signature = [UInt8](repeating: 0, count: Ed25519.signatureBytes)
            keyPair.secretKey.withUnsafeBytes { sk in
                _ = crypto_sign_final_create(&state, &signature, nil, sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            return signature
        }

        deinit {
            withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress!, $0.count) }
        }
    }

    /// Verifies an Ed25519ph signature over a stream.
    public final class StreamingVerifier {
        private var state = crypto_sign_state()

        public init() {
            Sodium.ensureInitialized()
            crypto_sign_init(&state)
        }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            crypto_sign_update(&state, bytes.bindMemory(to: UInt8.self).baseAddress ?? emptyPointer, UInt64(bytes.count))
        }

        public func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        public func verify(signature: [UInt8], publicKey: PublicKey) -> Bool {
            guard signature.count == Ed25519.signatureBytes else { return false }
            var sig = signature
            return crypto_sign_final_verify(&state, &sig, publicKey.bytes) == 0
        }
    }
}
