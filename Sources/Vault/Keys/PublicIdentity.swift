import AIMemCore
import Foundation
import Sodium

/// The public half of an identity: an Ed25519 key to verify signatures and an
/// X25519 key to encrypt to. Shared as one public-key line.
public struct PublicIdentity: Sendable, Hashable {
    public let signingKey: Ed25519.PublicKey
    public let encryptionKey: X25519.PublicKey

    /// The versioned prefix of every public-key line.
    public static let keyLinePrefix = "ai-mem-pk1:"
    /// Ed25519 key, X25519 key, CRC-32.
    static let keyLinePayloadBytes = 32 + 32 + 4

    /// 16 hex digits: the first 8 bytes of BLAKE2b-256("ai-mem key id v1" ‖ Ed25519 key ‖ X25519 key).
    public let keyID: String

    public init(signingKey: Ed25519.PublicKey, encryptionKey: X25519.PublicKey) {
        self.signingKey = signingKey
        self.encryptionKey = encryptionKey
        keyID = Self.keyID(of: signingKey.bytes + encryptionKey.bytes)
    }

    static func keyID(of keyBytes: [UInt8]) -> String {
        // BLAKE2b fails only for output or key lengths out of range; these are fixed and valid.
        guard let digest = try? BLAKE2b.hash(Array("ai-mem key id v1".utf8) + keyBytes, outputLength: 32) else {
            preconditionFailure("BLAKE2b-256 of a key cannot fail")
        }
        return Hex.encode(digest.prefix(8))
    }

    /// Both public keys, signing first (64 bytes).
    public var keyBytes: [UInt8] { signingKey.bytes + encryptionKey.bytes }

    /// `ai-mem-pk1:` then base64url (no padding) of the Ed25519 key, the X25519
    /// key and a little-endian CRC-32 of the prefix and both keys.
    public var keyLine: String {
        let payload = keyBytes
        let crc = CRC32.checksum(Array(Self.keyLinePrefix.utf8) + payload)
        let checksum = (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) }
        return Self.keyLinePrefix + Base64.encode(payload + checksum, alphabet: .url)
    }

    /// Reads a public-key line (surrounding whitespace allowed), naming the problem when it cannot.
    public init(keyLine text: String) throws(VaultError) {
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard line.hasPrefix(Self.keyLinePrefix) else {
            if line.hasPrefix("ai-mem-pk"), let colon = line.firstIndex(of: ":") {
                let version = line[line.index(line.startIndex, offsetBy: 9)..<colon]
                throw .invalidKeyLine(.unsupportedVersion(String(version)))
            }
            throw .invalidKeyLine(.notAKeyLine)
        }
        let body = String(line.dropFirst(Self.keyLinePrefix.count))
        if let bad = body.utf8.firstIndex(where: { !Self.isBase64URL($0) }) {
            throw .invalidKeyLine(.invalidCharacter(position: Self.keyLinePrefix.count + body.utf8.distance(from: body.utf8.startIndex, to: bad) + 1))
        }
        let expectedChars = (Self.keyLinePayloadBytes * 4 + 2) / 3
        guard body.utf8.count == expectedChars else {
            throw .invalidKeyLine(.wrongLength(actual: body.utf8.count * 3 / 4, expected: Self.keyLinePayloadBytes))
        }
        guard let bytes = Base64.decode(body, alphabet: .url) else { throw .invalidKeyLine(.nonCanonicalEncoding) }
        guard bytes.count == Self.keyLinePayloadBytes else {
            throw .invalidKeyLine(.wrongLength(actual: bytes.count, expected: Self.keyLinePayloadBytes))
        }
        let payload = Array(bytes[0..<64])
        let crc = CRC32.checksum(Array(Self.keyLinePrefix.utf8) + payload)
        let stored = UInt32(bytes[64]) | UInt32(bytes[65]) << 8 | UInt32(bytes[66]) << 16 | UInt32(bytes[67]) << 24
        guard crc == stored else { throw .invalidKeyLine(.badChecksum) }
        let signing: Ed25519.PublicKey, encryption: X25519.PublicKey
        do {
            signing = try Ed25519.PublicKey(bytes: Array(payload[0..<32]))
            encryption = try X25519.PublicKey(bytes: Array(payload[32..<64]))
        } catch {
            throw .invalidKeyLine(.wrongLength(actual: bytes.count, expected: Self.keyLinePayloadBytes))
        }
        guard signing.isUsable else { throw .invalidKeyLine(.unusableKey(which: "Ed25519")) }
        guard encryption.isUsable else { throw .invalidKeyLine(.unusableKey(which: "X25519")) }
        self.init(signingKey: signing, encryptionKey: encryption)
    }

    /// Whether `text` looks like a public-key line (of any version) rather than a file name.
    public static func looksLikeKeyLine(_ text: String) -> Bool {
        text.trimmingCharacters(in: .whitespaces).hasPrefix("ai-mem-pk")
    }

    private static func isBase64URL(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
    }

    /// Constant-time equality of both keys.
    public func constantTimeEquals(_ other: PublicIdentity) -> Bool {
        ConstantTime.equals(keyBytes, other.keyBytes)
    }
}
