import AIMemCore
import Foundation
import MemoryStore
import Sodium

/// The on-disk form of an identity's secret half (a small JSON document, mode 0600):
///
///     {"ai_mem_secret_key": 1, "name": …, "key_id": …, "public_key": "ai-mem-pk1:…",
///      "created_at": …, "protection": "argon2id" | "none",
///      "kdf": {"algorithm": "argon2id13", "opslimit": …, "memlimit": …, "salt": b64url},
///      "nonce": b64url, "secret": b64url}
///
/// With "argon2id", `secret` is XChaCha20-Poly1305 of the 64 seed bytes under the
/// Argon2id key, with the public key line and the KDF parameters as associated
/// data; with "none" (and no "kdf"/"nonce"), it is the seeds themselves.
public struct SecretKeyFile: Sendable {
    public enum Protection: Sendable, Equatable {
        case none
        case passphrase(limits: PasswordHash.Limits, salt: [UInt8], nonce: [UInt8])
    }

    public var name: String
    public var publicIdentity: PublicIdentity
    public var createdAt: Double
    public var protection: Protection
    /// A retired key (`retired-keys/`): when it was retired, and why.
    public var retirement: Retirement?
    /// Ciphertext (protected) or the seeds (unprotected).
    var secret: [UInt8]

    /// Why and when a key was retired (`keys rotate`, `keys revoke-self`).
    public struct Retirement: Sendable, Equatable {
        public enum Reason: String, Sendable, Equatable {
            /// Replaced on schedule: snapshots it made until `at` still count as yours.
            case routine
            /// Stolen, or possibly: nothing it signs counts as yours.
            case compromised
        }
        public var at: Double
        public var reason: Reason

        public init(at: Double, reason: Reason) {
            self.at = at
            self.reason = reason
        }
    }

    public var keyID: String { publicIdentity.keyID }
    public var isProtected: Bool { protection != .none }
    /// The salt and limits of a passphrase-protected file.
    public var kdf: (salt: [UInt8], limits: PasswordHash.Limits)? {
        if case .passphrase(let limits, let salt, _) = protection { return (salt, limits) }
        return nil
    }

    /// The most work a key file may ask of us: libsodium's SENSITIVE limits (about 1 GiB, a few seconds).
    public static var maximumLimits: PasswordHash.Limits { .sensitive }
    public static let maximumFileBytes = 64 * 1024
    static let format = 1

    /// Encrypts (or, with a nil passphrase, stores) the identity's seeds.
    /// `salt`: reuse another key file's salt and limits (with `keys`, its derived key),
    /// so that one derivation opens both; nil: a fresh salt.
    public static func seal(_ identity: SecretIdentity, name: String, createdAt: Double, passphrase: SecretBytes?, limits: PasswordHash.Limits,
                            salt reused: [UInt8]? = nil, keys: UnlockedKeys? = nil) throws(VaultError) -> SecretKeyFile {
        let pub = identity.publicIdentity
        guard let passphrase else {
            return SecretKeyFile(name: name, publicIdentity: pub, createdAt: createdAt, protection: .none,
                                 secret: identity.seeds.withUnsafeBytes { Array($0) })
        }
        let salt = reused ?? RandomBytes.generate(count: PasswordHash.saltBytes)
        let nonce = RandomBytes.generate(count: XChaCha20Poly1305.nonceBytes)
        let protection = Protection.passphrase(limits: limits, salt: salt, nonce: nonce)
        do throws(SodiumError) {
            let key = try Self.derive(passphrase, salt, limits, keys)
            let ciphertext = try XChaCha20Poly1305.encrypt(identity.seeds, additionalData: associatedData(pub, protection), nonce: nonce, key: key)
            return SecretKeyFile(name: name, publicIdentity: pub, createdAt: createdAt, protection: protection, secret: ciphertext)
        } catch {
            throw .crypto(error)
        }
    }

    /// Decrypts the seeds and checks that they give the recorded public keys.
    /// `keys`: derived keys to reuse (and remember) within one command.
    public func open(passphrase: SecretBytes?, keys: UnlockedKeys? = nil) throws(VaultError) -> SecretIdentity {
        let seeds: SecretBytes
        switch protection {
        case .none:
            seeds = SecretBytes(copying: secret)
        case .passphrase(let limits, let salt, let nonce):
            guard let passphrase else { throw .passphraseUnavailable(purpose: "unlock key \(keyID)") }
            do throws(SodiumError) {
                let key = try Self.derive(passphrase, salt, limits, keys)
                seeds = try XChaCha20Poly1305.decrypt(secret, additionalData: Self.associatedData(publicIdentity, protection), nonce: nonce, key: key)
            } catch {
                if error == .authenticationFailed { throw .wrongPassphrase(keyID: keyID) }
                throw .crypto(error)
            }
        }
        let identity = try SecretIdentity(seeds: seeds)
        guard identity.publicIdentity.constantTimeEquals(publicIdentity) else {
            throw .secretDoesNotMatchKey(keyID: keyID)
        }
        return identity
    }

    /// The Argon2id key, from `keys` when one was derived for this salt in this command.
    static func derive(_ passphrase: SecretBytes, _ salt: [UInt8], _ limits: PasswordHash.Limits, _ keys: UnlockedKeys?) throws(SodiumError) -> SecretBytes {
        if let keys { return try keys.key(passphrase: passphrase, salt: salt, limits: limits) }
        return try PasswordHash.deriveKey(length: XChaCha20Poly1305.keyBytes, passphrase: passphrase, salt: salt, limits: limits)
    }

    static func associatedData(_ pub: PublicIdentity, _ protection: Protection) -> [UInt8] {
        var ad = Array("ai-mem secret key v1\0".utf8) + Array(pub.keyLine.utf8) + [0]
        if case .passphrase(let limits, let salt, _) = protection {
            ad += Array("argon2id13\0".utf8)
            for shift in stride(from: 0, to: 64, by: 8) { ad.append(UInt8(truncatingIfNeeded: limits.opsLimit >> UInt64(shift))) }
            for shift in stride(from: 0, to: 64, by: 8) { ad.append(UInt8(truncatingIfNeeded: limits.memLimit >> UInt64(shift))) }
            ad += salt
        }
        return ad
    }

    // MARK: Encoding

    public func encoded() -> [UInt8] {
        var o = JSONObject()
        o.append("ai_mem_secret_key", .int(Self.format))
        o.append("name", .string(name))
        o.append("key_id", .string(keyID))
        o.append("public_key", .string(publicIdentity.keyLine))
        o.append("created_at", JSONValue.double(createdAt) ?? .null)
        switch protection {
        case .none:
            o.append("protection", .string("none"))
        case .passphrase(let limits, let salt, let nonce):
            o.append("protection", .string("argon2id"))
            o.append("kdf", .object(JSONObject([
                "algorithm": .string("argon2id13"),
                "opslimit": .number(String(limits.opsLimit)),
                "memlimit": .number(String(limits.memLimit)),
                "salt": .string(Base64.encode(salt, alphabet: .url)),
            ])))
            o.append("nonce", .string(Base64.encode(nonce, alphabet: .url)))
        }
        o.append("secret", .string(Base64.encode(secret, alphabet: .url)))
        if let retirement {
            o.append("retired_at", JSONValue.double(retirement.at) ?? .null)
            o.append("retired_reason", .string(retirement.reason.rawValue))
        }
        return Array((JSONWriter.pretty(.object(o)) + "\n").utf8)
    }

    /// Reads a key file strictly; work factors above `maximumLimits` are refused
    /// before any derivation runs.
    public static func decode(_ bytes: [UInt8], path: String) throws(VaultError) -> SecretKeyFile {
        func bad(_ reason: String) -> VaultError { .malformedKeyFile(path: path, reason: reason) }
        guard bytes.count <= maximumFileBytes else { throw bad("larger than \(maximumFileBytes) bytes") }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, maxDepth: 4) } catch { throw bad("not valid JSON (\(error))") }
        guard case .object(let o) = value else { throw bad("not a JSON object") }
        guard o["ai_mem_secret_key"] == .number(String(format)) else {
            throw bad("unknown format version \(o["ai_mem_secret_key"].map { JSONWriter.string($0) } ?? "(none)")")
        }
        guard case .string(let name)? = o["name"] else { throw bad("no name") }
        guard case .string(let line)? = o["public_key"] else { throw bad("no public_key") }
        let pub: PublicIdentity
        do { pub = try PublicIdentity(keyLine: line) } catch { throw bad("public_key: \(error.message)") }
        if case .string(let id)? = o["key_id"], id != pub.keyID { throw bad("key_id does not match public_key") }
        let createdAt = o["created_at"]?.doubleValue ?? 0
        guard case .string(let secretText)? = o["secret"], let secret = Base64.decode(secretText, alphabet: .url) else { throw bad("no valid secret") }
        let protection: Protection
        switch o["protection"] {
        case .string("none")?:
            guard secret.count == SecretIdentity.seedsBytes else { throw bad("secret has the wrong length") }
            protection = .none
        case .string("argon2id")?:
            guard case .object(let kdf)? = o["kdf"] else { throw bad("no kdf parameters") }
            guard kdf["algorithm"] == .string("argon2id13") else { throw bad("unsupported kdf algorithm") }
            guard case .number(let opsText)? = kdf["opslimit"], let ops = UInt64(opsText),
                  case .number(let memText)? = kdf["memlimit"], let mem = UInt64(memText) else {
                throw bad("kdf limits are not whole numbers")
            }
            let maximum = maximumLimits, minimum = PasswordHash.Limits.minimum
            guard ops <= maximum.opsLimit else {
                throw .workFactorTooHigh(path: path, detail: "opslimit \(ops) is above the cap of \(maximum.opsLimit)")
            }
            guard mem <= maximum.memLimit else {
                throw .workFactorTooHigh(path: path, detail: "memlimit \(mem) bytes is above the cap of \(maximum.memLimit)")
            }
            guard ops >= minimum.opsLimit, mem >= minimum.memLimit else { throw bad("kdf limits below libsodium's minimum") }
            guard case .string(let saltText)? = kdf["salt"], let salt = Base64.decode(saltText, alphabet: .url), salt.count == PasswordHash.saltBytes else {
                throw bad("kdf salt must be \(PasswordHash.saltBytes) bytes")
            }
            guard case .string(let nonceText)? = o["nonce"], let nonce = Base64.decode(nonceText, alphabet: .url), nonce.count == XChaCha20Poly1305.nonceBytes else {
                throw bad("nonce must be \(XChaCha20Poly1305.nonceBytes) bytes")
            }
            guard secret.count == SecretIdentity.seedsBytes + XChaCha20Poly1305.tagBytes else { throw bad("secret has the wrong length") }
            protection = .passphrase(limits: PasswordHash.Limits(opsLimit: ops, memLimit: mem), salt: salt, nonce: nonce)
        default:
            throw bad("unknown protection")
        }
        var retirement: Retirement? = nil
        if o["retired_at"] != nil || o["retired_reason"] != nil {
            guard let at = o["retired_at"]?.doubleValue, at.isFinite else { throw bad("retired_at must be a number") }
            guard case .string(let text)? = o["retired_reason"], let reason = Retirement.Reason(rawValue: text) else {
                throw bad("retired_reason must be \"routine\" or \"compromised\"")
            }
            retirement = Retirement(at: at, reason: reason)
        }
        var file = SecretKeyFile(name: name, publicIdentity: pub, createdAt: createdAt, protection: protection, secret: secret)
        file.retirement = retirement
        return file
    }
}
