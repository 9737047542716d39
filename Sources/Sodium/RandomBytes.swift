internal import CSodium

/// Cryptographically secure random bytes (libsodium `randombytes_buf`, which
/// cannot fail once libsodium is initialised).
public enum RandomBytes {
    public static func generate(count: Int) -> [UInt8] {
        Sodium.ensureInitialized()
        var bytes = [UInt8](repeating: 0, count: count)
        if count > 0 {
            bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        }
        return bytes
    }
}

/// A `RandomNumberGenerator` backed by libsodium (`randombytes_random`).
public struct SodiumRandomNumberGenerator: RandomNumberGenerator {
    public init() { Sodium.ensureInitialized() }

    public mutating func next() -> UInt64 {
        UInt64(randombytes_random()) << 32 | UInt64(randombytes_random())
    }
}
