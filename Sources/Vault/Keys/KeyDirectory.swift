import AIMemCore
import Foundation

/// Every key a reader knows — its own (current and retired) and its keyring's
/// (current, previous and candidate keys) — and what each may sign now
/// (docs/KEYS.md, "Key history"; docs/FORMAT.md §6.3).
public struct KeyDirectory: Sendable {
    public let ownName: String
    public let own: [KeyStore.OwnKey]
    public let keyring: Keyring

    public init(ownName: String, own: [KeyStore.OwnKey], keyring: Keyring) {
        self.ownName = ownName
        self.own = own
        self.keyring = keyring
    }

    /// The reader's own keys and keyring, read from `keys`.
    public init(_ keys: KeyStore) throws {
        let own = try keys.ownKeys()
        self.init(ownName: own[0].file.name, own: own, keyring: try keys.keyring())
    }

    /// What a key may sign, and up to when.
    enum Standing: Equatable {
        /// It signs without a time limit.
        case current
        /// A routinely rotated key: what it made no later than this second.
        case until(Double)
        case compromised
        case disputed
        case revoked
    }

    /// The owner of a key, its standing and its public half.
    struct Holder {
        var name: String
        var isOwn: Bool
        var key: PublicIdentity
        var standing: Standing
        /// The key id that stands for the person (own keys: the current key; keyring: the entry's current key).
        var person: String
    }

    func holder(of keyID: String) -> Holder? {
        if let k = own.first(where: { $0.file.keyID == keyID }) {
            let standing: Standing = k.compromised ? .compromised : k.until.map { .until($0.rounded(.down)) } ?? .current
            return Holder(name: ownName, isOwn: true, key: k.file.publicIdentity, standing: standing, person: own[0].file.keyID)
        }
        guard let e = keyring.entry(holdingKeyID: keyID) else { return nil }
        let key = e.allKeys.first { $0.keyID == keyID }!
        var holder = Holder(name: e.name, isOwn: false, key: key, standing: .current, person: e.keyID)
        if e.isRevoked { holder.standing = .revoked; return holder }
        if e.candidateKeys.contains(where: { $0.keyID == keyID }) { holder.standing = .disputed; return holder }
        let lastCompromised = e.previousKeys.lastIndex { $0.compromised }
        if let i = e.previousKeys.firstIndex(where: { $0.keyID == keyID }) {
            let p = e.previousKeys[i]
            if p.compromised { holder.standing = .compromised }
            // In a dispute, the keys after the last compromised one (all, when none is) are contested.
            else if e.isDisputed, lastCompromised.map({ i > $0 }) ?? true { holder.standing = .disputed }
            else { holder.standing = .until(p.until) }
        } else if e.isDisputed {
            holder.standing = .disputed
        }
        return holder
    }

    /// Who signed a snapshot made at `createdAt` (its signed metadata), and whether
    /// that key may sign it: a rotated key only what it made by its rotation's
    /// second; a compromised, disputed or revoked key nothing.
    public func signer(keyID: String, claimedName: String, createdAt: Double) -> SignerInfo {
        guard let h = holder(of: keyID) else { return SignerInfo(keyID: keyID, name: claimedName, trust: .untrusted, key: nil) }
        var info = SignerInfo(keyID: keyID, name: h.name, trust: h.isOwn ? .you : .trusted, key: h.key)
        switch h.standing {
        case .current: break
        case .until(let until):
            info.rotatedAt = until
            if createdAt.rounded(.down) > until { info.trust = .signedAfterRotation }
        case .compromised: info.trust = .compromised
        case .disputed: info.trust = .disputed
        case .revoked: info.trust = .revoked
        }
        return info
    }

    /// The keys accepted as authors of relayed lines: own and keyring keys that may
    /// sign, a rotated key only for versions dated by its rotation's second.
    var authorKeys: [String: AuthorKey] {
        var keys: [String: AuthorKey] = [:]
        for key in own.map(\.file.publicIdentity) + keyring.entries.flatMap(\.allKeys) {
            guard let h = holder(of: key.keyID) else { continue }
            switch h.standing {
            case .current: keys[key.keyID] = AuthorKey(key: key, until: nil)
            case .until(let until): keys[key.keyID] = AuthorKey(key: key, until: until)
            case .compromised, .disputed, .revoked: break
            }
        }
        return keys
    }

    /// Each key of a person mapped to one key id that stands for them, so that a
    /// rotated key's memories may be changed by its successor (and back).
    public var personOfKey: [String: String] {
        var map: [String: String] = [:]
        for k in own { map[k.file.keyID] = own[0].file.keyID }
        for e in keyring.entries {
            for k in e.previousKeys { map[k.keyID] = e.keyID }
            map[e.keyID] = e.keyID
        }
        return map
    }

    /// The key IDs of the reader's own user: current and retired keys, and their other devices'.
    public var ownKeyIDs: Set<String> { Set(own.map(\.file.keyID) + keyring.deviceKeyIDs) }

    /// The reader's current and retired public keys.
    public var ownPublicKeys: [PublicIdentity] { own.map(\.file.publicIdentity) }
}

/// A key accepted as the author of relayed lines.
struct AuthorKey: Sendable {
    var key: PublicIdentity
    /// A rotated key: versions dated after this second are not its.
    var until: Double?
}
