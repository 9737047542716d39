internal import CSodium

/// XChaCha20-Poly1305 (IETF) authenticated encryption with associated data.
public enum XChaCha20Poly1305 {
    public static let keyBytes = Int(crypto_aead_xchacha20poly1305_ietf_keybytes())
    public static let nonceBytes = Int(crypto_aead_xchacha20poly1305_ietf_npubbytes())
    public static let tagBytes = Int(crypto_aead_xchacha20poly1305_ietf_abytes())

    public static func encrypt(_ plaintext: SecretBytes, additionalData: [UInt8], nonce: [UInt8], key: SecretBytes) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        guard key.count == keyBytes else { throw .invalidLength(what: "AEAD key", expected: keyBytes, actual: key.count) }
        guard nonce.count == nonceBytes else { throw .invalidLength(what: "AEAD nonce", expected: nonceBytes, actual: nonce.count) }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        var outLength: UInt64 = 0
        let status = plaintext.withUnsafeBytes { m in
            key.withUnsafeBytes { k in
                crypto_aead_xchacha20poly1305_ietf_encrypt(
                    &out, &outLength, m.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(m.count),
                    additionalData, UInt64(additionalData.count), nil, nonce, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        try check(status, "crypto_aead_xchacha20poly1305_ietf_encrypt")
        return out
    }

    /// The plaintext, or `authenticationFailed` when the key, nonce, data or ciphertext do not match.
    public static func decrypt(_ ciphertext: [UInt8], additionalData: [UInt8], nonce: [UInt8], key: SecretBytes) throws(SodiumError) -> SecretBytes {
        Sodium.ensureInitialized()
        guard key.count == keyBytes else { throw .invalidLength(what: "AEAD key", expected: keyBytes, actual: key.count) }
        guard nonce.count == nonceBytes else { throw .invalidLength(what: "AEAD nonce", expected: nonceBytes, actual: nonce.count) }
        guard ciphertext.count >= tagBytes else { throw .authenticationFailed }
        let plain = SecretBytes(count: ciphertext.count - tagBytes)
        var plainLength: UInt64 = 0
        let status = plain.withUnsafeMutableBytes { out in
            key.withUnsafeBytes { k in
                crypto_aead_xchacha20poly1305_ietf_decrypt(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self), &plainLength, nil, ciphertext, UInt64(ciphertext.count),
                    additionalData, UInt64(additionalData.count), nonce, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard status == 0 else { throw .authenticationFailed }
        return plain
    }
}
