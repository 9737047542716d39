import CSodium

/// Cryptographically secure random bytes (libsodium `randombytes_buf`).
public enum RandomBytes {
    public static func generate(count: Int) -> [UInt8] {
        Sodium.ensureInitialized()
        var bytes = [UInt8](repeating: 0, count: count)
        if count > 0 {
            bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        }
        return bytes
    }

    /// A random version-4 UUID in lowercase canonical form.
    public static func uuidString() -> String {
        var b = generate(count: 16)
        b[6] = (b[6] & 0x0f) | 0x40
        b[8] = (b[8] & 0x3f) | 0x80
        let hex = Hex.encode(b)
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }
}

/// A `RandomNumberGenerator` backed by libsodium (`randombytes_random`).
public struct SodiumRandomNumberGenerator: RandomNumberGenerator {
    public init() { Sodium.ensureInitialized() }

    public mutating func next() -> UInt64 {
        UInt64(randombytes_random()) << 32 | UInt64(randombytes_random())
    }
}
