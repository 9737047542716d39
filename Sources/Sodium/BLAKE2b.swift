import CSodium

/// BLAKE2b (`crypto_generichash`), optionally keyed.
public enum BLAKE2b {
    public static func hash(_ message: [UInt8], outputLength: Int = 32, key: [UInt8]? = nil) -> [UInt8] {
        Sodium.ensureInitialized()
        precondition(outputLength >= Int(crypto_generichash_bytes_min()) && outputLength <= Int(crypto_generichash_bytes_max()))
        var out = [UInt8](repeating: 0, count: outputLength)
        let keyBytes = key ?? []
        message.withUnsafeBufferPointer { m in
            keyBytes.withUnsafeBufferPointer { k in
                _ = crypto_generichash(&out, outputLength, m.baseAddress ?? emptyPointer, UInt64(m.count), k.baseAddress, k.count)
            }
        }
        return out
    }
}
