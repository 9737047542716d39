import CSodium

/// SHA-256 (libsodium `crypto_hash_sha256`).
public enum SHA256 {
    public static let byteCount = Int(crypto_hash_sha256_BYTES)

    /// The digest of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        Sodium.ensureInitialized()
        var digest = [UInt8](repeating: 0, count: byteCount)
        digest.withUnsafeMutableBufferPointer { out in
            _ = crypto_hash_sha256(out.baseAddress!, bytes.bindMemory(to: UInt8.self).baseAddress ?? emptyPointer, UInt64(bytes.count))
        }
        return digest
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The lowercase hexadecimal digest of the UTF-8 bytes of `string`.
    public static func hexDigest(of string: String) -> String {
        var copy = string
        return copy.withUTF8 { Hex.encode(hash(UnsafeRawBufferPointer($0))) }
    }
}

/// A valid pointer for zero-length inputs (libsodium may not accept NULL).
nonisolated(unsafe) let emptyPointer: UnsafePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.initialize(to: 0)
    return UnsafePointer(p)
}()
