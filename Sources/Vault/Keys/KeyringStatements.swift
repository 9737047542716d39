import AIMemCore
import Foundation

/// What applying a rotation or revocation statement, or a confirmation, did to an entry.
public enum KeyringChange: String, Sendable, Equatable {
    /// The entry moved to the statement's new key; the old key became a previous key.
    case rotated
    /// The keyring already says this: nothing changed.
    case alreadyApplied = "already applied"
    /// The entry is now disputed: none of its later keys is trusted until confirmed.
    case disputed
    /// The entry's current key is revoked.
    case revoked
    /// A previous or candidate key is no longer trusted; the entry's current key is
    /// unaffected (it was confirmed after that key).
    case keyCompromised = "key compromised"
    /// The user confirmed the entry's key.
    case confirmed
}

/// Rotation statements, revocation statements and confirmations (docs/KEYS.md,
/// "Key history"). Every rule keeps one principle: a statement signed by a key
/// proves nothing once that key may be stolen, so a key that contradicts itself or
/// revokes itself takes the trust of every key reached through it with it, and
/// only the user, having checked with the key's owner, gives it back.
extension Keyring {
    /// The entry's keys in order: previous keys, oldest first, then the current key.
    static func chain(_ e: KeyringEntry) -> [PublicIdentity] { e.previousKeys.map(\.publicIdentity) + [e.publicIdentity] }

    /// The position in the chain from which keys were reached by statements alone.
    static func anchor(_ e: KeyringEntry) -> Int {
        guard let id = e.confirmedKeyID else { return 0 }
        return chain(e).firstIndex { $0.keyID == id } ?? 0
    }

    /// Applies a rotation statement (its signature checked with the entry's copy of its old key).
    public mutating func apply(_ statement: RotationStatement, at now: Double) throws(VaultError) -> (KeyringEntry, KeyringChange) {
        guard let index = entries.firstIndex(where: { $0.allKeys.contains { $0.constantTimeEquals(statement.oldKey) } }) else {
            throw .rotationFromUnknownKey(keyID: statement.oldKey.keyID)
        }
        var e = entries[index]
        let held = e.allKeys.first { $0.constantTimeEquals(statement.oldKey) }!
        // Verify with the keyring's copy of the key, never one carried by the statement.
        guard statement.isSigned(by: held) else { throw .forgedRotationStatement(keyID: held.keyID) }
        if e.isRevoked { throw .rotationFromRevokedKey(name: e.name) }
        if e.candidateKeys.contains(where: { $0.constantTimeEquals(statement.oldKey) }) { throw .disputedEntry(name: e.name) }
        let newKeyHolder = entry(holding: statement.newKey)

        if e.publicIdentity.constantTimeEquals(statement.oldKey) {
            guard !e.isDisputed else { throw .disputedEntry(name: e.name) }
            if let other = newKeyHolder { throw .duplicateKey(keyID: statement.newKey.keyID, existingName: other.name) }
            let until = min(Double(statement.time), now).rounded(.down)
            e.previousKeys.append(PreviousKey(publicIdentity: e.publicIdentity, until: max(0, until)))
            e.publicIdentity = statement.newKey
            e.rotatedFrom = statement.oldKey.keyID
            e.rotatedAt = now.rounded(.down)
            entries[index] = e
            return (e, .rotated)
        }

        // A previous key: the same rotation again, or a second, different one.
        let position = e.previousKeys.firstIndex { $0.publicIdentity.constantTimeEquals(statement.oldKey) }!
        let chain = Self.chain(e)
        if chain[position + 1].constantTimeEquals(statement.newKey) { return (e, .alreadyApplied) }
        if e.candidateKeys.contains(where: { $0.constantTimeEquals(statement.newKey) }) { return (e, .alreadyApplied) }
        // The key signed two different successors: someone else holds it.
        e.previousKeys[position].compromised = true
        let change: KeyringChange
        if position >= Self.anchor(e) {
            e.status = .disputed
            if newKeyHolder == nil { e.candidateKeys.append(statement.newKey) }
            change = .disputed
        } else {
            change = .keyCompromised
        }
        entries[index] = e
        return (e, change)
    }

    /// Applies a revocation statement (its signature was checked with the key it revokes).
    public mutating func apply(_ statement: RevocationStatement, at now: Double) throws(VaultError) -> (KeyringEntry, KeyringChange) {
        guard let index = entries.firstIndex(where: { $0.allKeys.contains { $0.constantTimeEquals(statement.key) } }) else {
            throw .revocationOfUnknownKey(keyID: statement.key.keyID)
        }
        var e = entries[index]
        let change: KeyringChange
        if e.publicIdentity.constantTimeEquals(statement.key) {
            if e.isRevoked { return (e, .alreadyApplied) }
            e.status = .revoked(at: now.rounded(.down), reason: "revoked by its owner's revocation statement")
            change = .revoked
        } else if let c = e.candidateKeys.firstIndex(where: { $0.constantTimeEquals(statement.key) }) {
            e.candidateKeys.remove(at: c)
            change = .keyCompromised
        } else {
            let position = e.previousKeys.firstIndex { $0.publicIdentity.constantTimeEquals(statement.key) }!
            if e.previousKeys[position].compromised { return (e, .alreadyApplied) }
            e.previousKeys[position].compromised = true
            // Every key after it was reached through statements it signed, unless confirmed since.
            if !e.isRevoked, position >= Self.anchor(e) {
                e.status = .disputed
                change = .disputed
            } else {
                change = .keyCompromised
            }
        }
        entries[index] = e
        return (e, change)
    }

    /// The user's word, after checking with the entry's owner by another channel,
    /// that `key` is the entry's key now: a disputed entry is trusted again at that
    /// key (a current key, a candidate, or a key given directly); a revoked entry
    /// is trusted at a new key, its old keys never again.
    public mutating func confirm(_ name: String, key: PublicIdentity, at now: Double) throws(VaultError) -> (KeyringEntry, KeyringChange) {
        guard let index = entries.firstIndex(where: { $0.name == name }) else { throw .unknownKey(name) }
        var e = entries[index]
        if let other = entry(holding: key), other.name != name { throw .duplicateKey(keyID: key.keyID, existingName: other.name) }
        if e.previousKeys.contains(where: { $0.publicIdentity.constantTimeEquals(key) }) {
            throw .confirmPreviousKey(name: name, keyID: key.keyID)
        }
        let isCurrent = e.publicIdentity.constantTimeEquals(key)
        switch e.status {
        case .trusted:
            guard isCurrent else { throw .confirmTrustedEntry(name: name, keyID: e.keyID) }
            e.confirmedKeyID = key.keyID
        case .revoked(let at, _):
            guard !isCurrent else { throw .confirmRevokedKey(name: name, keyID: key.keyID) }
            e.previousKeys.append(PreviousKey(publicIdentity: e.publicIdentity, until: at, compromised: true))
            e.previousKeys += e.candidateKeys.map { PreviousKey(publicIdentity: $0, until: at, compromised: true) }
            e.publicIdentity = key
            e.rotatedFrom = nil
            e.rotatedAt = nil
        case .disputed:
            if !isCurrent {
                // The keys after the last compromised one are the branch not chosen.
                let last = e.previousKeys.lastIndex { $0.compromised } ?? -1
                for i in e.previousKeys.indices where i > last { e.previousKeys[i].compromised = true }
                e.previousKeys.append(PreviousKey(publicIdentity: e.publicIdentity, until: now.rounded(.down), compromised: true))
                e.rotatedFrom = last >= 0 && e.candidateKeys.contains(where: { $0.constantTimeEquals(key) }) ? e.previousKeys[last].keyID : nil
                e.rotatedAt = e.rotatedFrom == nil ? nil : now.rounded(.down)
                e.publicIdentity = key
            }
        }
        e.candidateKeys = []
        e.status = .trusted
        e.confirmedKeyID = key.keyID
        entries[index] = e
        return (e, .confirmed)
    }
}
