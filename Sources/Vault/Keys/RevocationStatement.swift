import AIMemCore
import Foundation
import Sodium

/// "This key is no longer mine; believe nothing it signs": a key's revocation of
/// itself, signed by that key (docs/KEYS.md, "Revocation statement").
///
/// Text form: `ai-mem-rev1:` then base64url (no padding) of 136 bytes:
/// Ed25519 key (32) ‖ X25519 key (32) ‖ time (u64 little-endian, seconds) ‖
/// signature (64), the signature being Ed25519 by that key over
/// "ai-mem revocation statement v1\0" and the first 72 bytes.
///
/// Anyone holding the key can make one — its owner after a theft, or the thief —
/// and either way the key is not to be trusted, so any teammate may apply it.
public struct RevocationStatement: Sendable, Equatable {
    public static let prefix = "ai-mem-rev1:"
    static let domain = Array("ai-mem revocation statement v1\0".utf8)
    static let bodyBytes = 72
    static let totalBytes = 136

    public let key: PublicIdentity
    public let time: UInt64
    let signature: [UInt8]

    /// Signs the revocation of `identity`'s key.
    public static func make(revoking identity: SecretIdentity, time: UInt64) throws(SodiumError) -> RevocationStatement {
        let body = Self.body(key: identity.publicIdentity, time: time)
        return RevocationStatement(key: identity.publicIdentity, time: time, signature: try identity.signing.sign(domain + body))
    }

    static func body(key: PublicIdentity, time: UInt64) -> [UInt8] {
        key.keyBytes + (0..<8).map { UInt8(truncatingIfNeeded: time >> (8 * UInt64($0))) }
    }

    public var text: String { Self.prefix + Base64.encode(Self.body(key: key, time: time) + signature, alphabet: .url) }

    private init(key: PublicIdentity, time: UInt64, signature: [UInt8]) {
        self.key = key
        self.time = time
        self.signature = signature
    }

    /// Parses the text form and checks the signature with the key it revokes.
    public init(text: String) throws(VaultError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.prefix) else { throw .invalidRevocationStatement("it should start with \(Self.prefix)") }
        guard let bytes = Base64.decode(String(trimmed.dropFirst(Self.prefix.count)), alphabet: .url) else {
            throw .invalidRevocationStatement("invalid base64url")
        }
        guard bytes.count == Self.totalBytes else {
            throw .invalidRevocationStatement("\(bytes.count) bytes instead of \(Self.totalBytes)")
        }
        do {
            key = PublicIdentity(signingKey: try Ed25519.PublicKey(bytes: Array(bytes[0..<32])), encryptionKey: try X25519.PublicKey(bytes: Array(bytes[32..<64])))
        } catch {
            throw .invalidRevocationStatement("bad key bytes")
        }
        var time: UInt64 = 0
        for i in 0..<8 { time |= UInt64(bytes[64 + i]) << (8 * UInt64(i)) }
        self.time = time
        signature = Array(bytes[72..<136])
        guard Ed25519.verify(signature: signature, message: Self.domain + Array(bytes[0..<72]), publicKey: key.signingKey) else {
            throw .invalidRevocationStatement("its signature does not verify with the key it revokes")
        }
    }

    /// Whether `text` looks like a revocation statement.
    public static func looksLikeStatement(_ text: String) -> Bool {
        text.trimmingCharacters(in: .whitespaces).hasPrefix("ai-mem-rev")
    }
}
