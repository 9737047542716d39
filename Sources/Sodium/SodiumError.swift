/// Errors raised by the libsodium wrapper.
public enum SodiumError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key, nonce or other input had the wrong length.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// Authenticated decryption or signature verification failed.
    case authenticationFailed
    /// A public key is not a usable point: the all-zero key, a point of small order,
    /// a non-canonical encoding, or (Ed25519) a point outside the main subgroup.
    case unusableKey(String)
    /// A libsodium call reported failure; `function` names it.
    case operationFailed(function: String)

    /// Words for users and logs.
    public var description: String {
        switch self {
        case .invalidLength(let what, let expected, let actual): return "\(what) has \(actual) bytes instead of \(expected)"
        case .authenticationFailed: return "authentication failed"
        case .unusableKey(let reason): return reason
        case .operationFailed(let function): return "\(function) failed"
        }
    }
}

/// Turns a libsodium return code into a typed error: 0 is success, anything else
/// is `operationFailed` naming the function (or the error `otherwise` gives).
@inline(__always)
func check(_ status: Int32, _ function: String) throws(SodiumError) {
    guard status == 0 else { throw .operationFailed(function: function) }
}
