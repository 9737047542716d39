import AIMemCore
import Foundation
import Sodium

/// "My key moved": the new public keys, signed by the old signing key.
///
/// Text form: `ai-mem-rot1:` then base64url (no padding) of 200 bytes:
/// old Ed25519 key (32) ‖ old X25519 key (32) ‖ new Ed25519 key (32) ‖
/// new X25519 key (32) ‖ time (u64 little-endian, seconds) ‖ signature (64),
/// where the signature is Ed25519 over "ai-mem rotation statement v1\0" and the
/// first 136 bytes.
public struct RotationStatement: Sendable, Equatable {
    public static let prefix = "ai-mem-rot1:"
    static let domain = Array("ai-mem rotation statement v1\0".utf8)
    static let bodyBytes = 136
    static let totalBytes = 200

    public let oldKey: PublicIdentity
    public let newKey: PublicIdentity
    public let time: UInt64
    let signature: [UInt8]

    /// Signs a statement moving `old` to `new`.
    public static func make(from old: SecretIdentity, to new: PublicIdentity, time: UInt64) throws(SodiumError) -> RotationStatement {
        let body = Self.body(old: old.publicIdentity, new: new, time: time)
        return RotationStatement(oldKey: old.publicIdentity, newKey: new, time: time, signature: try old.signing.sign(domain + body))
    }

    static func body(old: PublicIdentity, new: PublicIdentity, time: UInt64) -> [UInt8] {
        old.keyBytes + new.keyBytes + (0..<8).map { UInt8(truncatingIfNeeded: time >> (8 * UInt64($0))) }
    }

    public var text: String {
        Self.prefix + Base64.encode(Self.body(old: oldKey, new: newKey, time: time) + signature, alphabet: .url)
    }

    private init(oldKey: PublicIdentity, newKey: PublicIdentity, time: UInt64, signature: [UInt8]) {
        self.oldKey = oldKey
        self.newKey = newKey
        self.time = time
        self.signature = signature
    }

    /// Parses the text form (the signature is checked by `verify`, against a key you trust).
    public init(text: String) throws(VaultError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.prefix) else { throw .invalidRotationStatement("it should start with \(Self.prefix)") }
        guard let bytes = Base64.decode(String(trimmed.dropFirst(Self.prefix.count)), alphabet: .url) else {
            throw .invalidRotationStatement("invalid base64url")
        }
        guard bytes.count == Self.totalBytes else {
            throw .invalidRotationStatement("\(bytes.count) bytes instead of \(Self.totalBytes)")
        }
        do {
            oldKey = PublicIdentity(signingKey: try Ed25519.PublicKey(bytes: Array(bytes[0..<32])), encryptionKey: try X25519.PublicKey(bytes: Array(bytes[32..<64])))
            newKey = PublicIdentity(signingKey: try Ed25519.PublicKey(bytes: Array(bytes[64..<96])), encryptionKey: try X25519.PublicKey(bytes: Array(bytes[96..<128])))
        } catch {
            throw .invalidRotationStatement("bad key bytes")
        }
        var time: UInt64 = 0
        for i in 0..<8 { time |= UInt64(bytes[128 + i]) << (8 * UInt64(i)) }
        self.time = time
        signature = Array(bytes[136..<200])
        guard !oldKey.constantTimeEquals(newKey) else { throw .invalidRotationStatement("old and new keys are the same") }
        guard newKey.signingKey.isUsable, newKey.encryptionKey.isUsable else {
            throw .invalidRotationStatement("the new key is not a usable point (all zeros, small order or non-canonical)")
        }
    }

    /// True when the statement was signed by `trusted`'s signing key and names it as the old key.
    public func isSigned(by trusted: PublicIdentity) -> Bool {
        guard trusted.constantTimeEquals(oldKey) else { return false }
        return Ed25519.verify(signature: signature, message: Self.domain + Self.body(old: oldKey, new: newKey, time: time), publicKey: trusted.signingKey)
    }

    /// Whether `text` looks like a rotation statement rather than a key line or file name.
    public static func looksLikeStatement(_ text: String) -> Bool {
        text.trimmingCharacters(in: .whitespaces).hasPrefix("ai-mem-rot")
    }
}
