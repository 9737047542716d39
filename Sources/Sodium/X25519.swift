internal import CSodium

/// X25519 key pairs and anonymous sealed boxes (libsodium `crypto_box_*`).
public enum X25519 {
    public static let publicKeyBytes = Int(crypto_box_publickeybytes())
    public static let secretKeyBytes = Int(crypto_box_secretkeybytes())
    public static let seedBytes = Int(crypto_box_seedbytes())
    /// Bytes a sealed box adds to its message.
    public static let sealOverhead = Int(crypto_box_sealbytes())

    public struct PublicKey: Sendable, Hashable {
        public let bytes: [UInt8]

        /// Checks the length only; `isUsable` tells whether anyone can be reached at this key.
        public init(bytes: [UInt8]) throws(SodiumError) {
            guard bytes.count == X25519.publicKeyBytes else {
                throw .invalidLength(what: "X25519 public key", expected: X25519.publicKeyBytes, actual: bytes.count)
            }
            self.bytes = bytes
        }

        /// False for the all-zero key and the other points of small order: a key
        /// agreement with them gives a shared secret that does not depend on the
        /// secret key, so libsodium refuses them (`crypto_scalarmult` fails), and
        /// `crypto_box_seal` to them fails.
        public var isUsable: Bool {
            Sodium.ensureInitialized()
            // Any scalar will do: small-order points are refused before the product,
            // and libsodium also refuses an all-zero result.
            var scalar = [UInt8](repeating: 0, count: Int(crypto_scalarmult_scalarbytes()))
            scalar[0] = 9
            var product = [UInt8](repeating: 0, count: Int(crypto_scalarmult_bytes()))
            defer { sodium_memzero(&product, product.count) }
            return crypto_scalarmult(&product, scalar, bytes) == 0
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
            let status = seed.withUnsafeBytes { s in
                sk.withUnsafeMutableBytes { skp in
                    crypto_box_seed_keypair(&pk, skp.baseAddress!.assumingMemoryBound(to: UInt8.self), s.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            try check(status, "crypto_box_seed_keypair")
            publicKey = try PublicKey(bytes: pk)
            secretKey = sk
        }

        /// A key pair from its 32-byte secret key, for known-answer tests: the public
        /// key is computed (`crypto_scalarmult_base`).
        @_spi(KnownAnswers)
        public init(secretKey: SecretBytes) throws(SodiumError) {
            Sodium.ensureInitialized()
            guard secretKey.count == X25519.secretKeyBytes else {
                throw .invalidLength(what: "X25519 secret key", expected: X25519.secretKeyBytes, actual: secretKey.count)
            }
            var pk = [UInt8](repeating: 0, count: X25519.publicKeyBytes)
            let status = secretKey.withUnsafeBytes { sk in crypto_scalarmult_base(&pk, sk.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
            try check(status, "crypto_scalarmult_base")
            publicKey = try PublicKey(bytes: pk)
            self.secretKey = secretKey
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

    /// The X25519 function itself (`crypto_scalarmult`), for known-answer tests:
    /// fails for a point of small order.
    @_spi(KnownAnswers)
    public static func scalarMultiply(_ scalar: SecretBytes, _ point: [UInt8]) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        guard scalar.count == Int(crypto_scalarmult_scalarbytes()), point.count == Int(crypto_scalarmult_bytes()) else {
            throw .invalidLength(what: "X25519 scalar or point", expected: 32, actual: point.count)
        }
        var out = [UInt8](repeating: 0, count: Int(crypto_scalarmult_bytes()))
        let status = scalar.withUnsafeBytes { n in crypto_scalarmult(&out, n.baseAddress!.assumingMemoryBound(to: UInt8.self), point) }
        guard status == 0 else { throw .unusableKey("a point of small order") }
        return out
    }

    /// Encrypts `message` anonymously to `recipient` (`crypto_box_seal`); fails
    /// with `unusableKey` for a key of small order.
    public static func seal(_ message: SecretBytes, to recipient: PublicKey) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: message.count + sealOverhead)
        let status = message.withUnsafeBytes { m in
            crypto_box_seal(&out, m.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(m.count), recipient.bytes)
        }
        guard status == 0 else { throw .unusableKey("the X25519 key is a point of small order: nothing sealed to it can be opened") }
        return out
    }

    /// A sealed box made with a caller-chosen ephemeral seed, for reproducible test
    /// vectors only. Byte-compatible with `crypto_box_seal`: ephemeral key pair,
    /// nonce = BLAKE2b-192(ephemeral pk ‖ recipient pk), `crypto_box_easy`.
    @_spi(TestVectors)
    public static func seal(_ message: SecretBytes, to recipient: PublicKey, testVectorEphemeralSeed seed: SecretBytes) throws(SodiumError) -> [UInt8] {
        let ephemeral = try KeyPair(seed: seed)
        var nonce = [UInt8](repeating: 0, count: Int(crypto_box_noncebytes()))
        let input = ephemeral.publicKey.bytes + recipient.bytes
        try check(crypto_generichash(&nonce, nonce.count, input, UInt64(input.count), nil, 0), "crypto_generichash")
        var boxed = [UInt8](repeating: 0, count: message.count + Int(crypto_box_macbytes()))
        let status = message.withUnsafeBytes { m in
            ephemeral.secretKey.withUnsafeBytes { sk in
                crypto_box_easy(&boxed, m.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(m.count), nonce, recipient.bytes,
                                sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard status == 0 else { throw .unusableKey("the X25519 key is a point of small order: nothing sealed to it can be opened") }
        return ephemeral.publicKey.bytes + boxed
    }
}
