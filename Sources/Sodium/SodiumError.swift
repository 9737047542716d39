/// Errors raised by the libsodium wrapper.
public enum SodiumError: Error, Equatable, Sendable {
    /// A key, nonce or other input had the wrong length.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// Authenticated decryption or signature verification failed.
    case authenticationFailed
    /// A libsodium call reported failure (e.g. out of memory in crypto_pwhash).
    case operationFailed(String)
}
