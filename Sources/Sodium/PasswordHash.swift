internal import CSodium

/// Argon2id key derivation from a passphrase (`crypto_pwhash`, ALG_ARGON2ID13).
public enum PasswordHash {
    public static let saltBytes = Int(crypto_pwhash_saltbytes())
    /// The algorithm id stored in key files.
    public static let argon2id13 = Int(crypto_pwhash_alg_argon2id13())

    /// Work factors: passes over memory and memory in bytes.
    public struct Limits: Sendable, Equatable {
        public var opsLimit: UInt64
        public var memLimit: UInt64

        public init(opsLimit: UInt64, memLimit: UInt64) {
            self.opsLimit = opsLimit
            self.memLimit = memLimit
        }

        /// About 0.1 s and 64 MiB.
        public static var interactive: Limits {
            Limits(opsLimit: UInt64(crypto_pwhash_opslimit_interactive()), memLimit: UInt64(crypto_pwhash_memlimit_interactive()))
        }
        /// About 0.6 s and 256 MiB.
        public static var moderate: Limits {
            Limits(opsLimit: UInt64(crypto_pwhash_opslimit_moderate()), memLimit: UInt64(crypto_pwhash_memlimit_moderate()))
        }
        /// About 3 s and 1 GiB.
        public static var sensitive: Limits {
            Limits(opsLimit: UInt64(crypto_pwhash_opslimit_sensitive()), memLimit: UInt64(crypto_pwhash_memlimit_sensitive()))
        }
        public static var minimum: Limits {
            Limits(opsLimit: UInt64(crypto_pwhash_opslimit_min()), memLimit: UInt64(crypto_pwhash_memlimit_min()))
        }
    }

    /// Derives `length` key bytes. Throws `operationFailed` when libsodium cannot
    /// (e.g. not enough memory).
    public static func deriveKey(length: Int, passphrase: SecretBytes, salt: [UInt8], limits: Limits) throws(SodiumError) -> SecretBytes {
        Sodium.ensureInitialized()
        guard salt.count == saltBytes else { throw .invalidLength(what: "Argon2id salt", expected: saltBytes, actual: salt.count) }
        let key = SecretBytes(count: length)
        let status = key.withUnsafeMutableBytes { out in
            passphrase.withUnsafeBytes { pw in
                crypto_pwhash(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(length),
                    pw.baseAddress!.assumingMemoryBound(to: CChar.self), UInt64(pw.count), salt,
                    limits.opsLimit, Int(limits.memLimit), Int32(argon2id13))
            }
        }
        try check(status, "crypto_pwhash (Argon2id; out of memory?)")
        return key
    }
}
