import AIMemCore
import Foundation
import Sodium

/// The Argon2id keys one command derived, by (salt, limits): key files sealed with
/// the same salt and limits — your identity and the retired keys `keys rotate` and
/// `keys passwd` re-seal beside it — open with one derivation per command instead
/// of one each (docs/KEYS.md). Lives as long as the command's `SnapshotVault` or
/// `KeyStore` call; the keys are in guarded memory and wiped when it goes.
public final class UnlockedKeys: @unchecked Sendable {
    private let lock = NSLock()
    private var derived: [[UInt8]: SecretBytes] = [:]
    /// How many derivations ran (for tests).
    public private(set) var derivations = 0

    public init() {}

    /// The key for `salt` and `limits` from `passphrase`: derived once, then remembered.
    /// Only one passphrase is used per command, so it is not part of the lookup.
    func key(passphrase: SecretBytes, salt: [UInt8], limits: PasswordHash.Limits) throws(SodiumError) -> SecretBytes {
        var id = salt
        for shift in stride(from: 0, to: 64, by: 8) { id.append(UInt8(truncatingIfNeeded: limits.opsLimit >> UInt64(shift))) }
        for shift in stride(from: 0, to: 64, by: 8) { id.append(UInt8(truncatingIfNeeded: limits.memLimit >> UInt64(shift))) }
        lock.lock()
        defer { lock.unlock() }
        if let known = derived[id] { return known }
        let key = try PasswordHash.deriveKey(length: XChaCha20Poly1305.keyBytes, passphrase: passphrase, salt: salt, limits: limits)
        derivations += 1
        derived[id] = key
        return key
    }
}
