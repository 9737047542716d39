import AIMemCore
import Foundation
import MemoryStore

/// One teammate's key in the keyring.
public struct KeyringEntry: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case trusted
        case revoked(at: Double, reason: String?)
        /// A key of the entry signed two different rotations, or was revoked by its
        /// own statement after the entry moved on from it: no key of the entry after
        /// that one is trusted until the user confirms one (`keys confirm`).
        case disputed
    }

    public var name: String
    public var publicIdentity: PublicIdentity
    public var addedAt: Double
    public var status: Status
    /// The key id this entry was rotated from, and when.
    public var rotatedFrom: String?
    public var rotatedAt: Double?
    /// Another device of yours (`keys trust … --mine`): what it wrote is yours, and
    /// you may change it from here, as it may change what you wrote.
    public var isMine: Bool
    /// The keys this entry held before, oldest first (docs/KEYS.md, "Key history").
    public var previousKeys: [PreviousKey] = []
    /// In a disputed entry: the other keys a rotation statement claimed it moved to.
    public var candidateKeys: [PublicIdentity] = []
    /// The key of the entry the user last trusted directly (`keys confirm`); nil:
    /// the oldest key of its history. Keys after it were reached by rotation statements.
    public var confirmedKeyID: String?

    public var keyID: String { publicIdentity.keyID }
    public var isDisputed: Bool { status == .disputed }
    /// Every key of the entry: previous, current, candidates.
    public var allKeys: [PublicIdentity] { previousKeys.map(\.publicIdentity) + [publicIdentity] + candidateKeys }
    public var isRevoked: Bool {
        if case .revoked = status { return true }
        return false
    }

    public init(name: String, publicIdentity: PublicIdentity, addedAt: Double, status: Status = .trusted, rotatedFrom: String? = nil, rotatedAt: Double? = nil,
                isMine: Bool = false, previousKeys: [PreviousKey] = [], candidateKeys: [PublicIdentity] = [], confirmedKeyID: String? = nil) {
        self.name = name
        self.publicIdentity = publicIdentity
        self.addedAt = addedAt
        self.status = status
        self.rotatedFrom = rotatedFrom
        self.rotatedAt = rotatedAt
        self.isMine = isMine
        self.previousKeys = previousKeys
        self.candidateKeys = candidateKeys
        self.confirmedKeyID = confirmedKeyID
    }
}

/// A key an entry held before a rotation.
public struct PreviousKey: Sendable, Equatable {
    public var publicIdentity: PublicIdentity
    /// The rotation's time (whole seconds): snapshots the key signed count as the
    /// entry's only when made no later than this second.
    public var until: Double
    /// Revoked by its own statement, or it signed two different rotations: nothing
    /// it signs is accepted.
    public var compromised: Bool

    public init(publicIdentity: PublicIdentity, until: Double, compromised: Bool = false) {
        self.publicIdentity = publicIdentity
        self.until = until
        self.compromised = compromised
    }

    public var keyID: String { publicIdentity.keyID }
}

/// The teammates whose snapshots you accept: names, public keys, trust and
/// revocation state. Names are unique and a key appears under one name only.
public struct Keyring: Sendable, Equatable {
    public internal(set) var entries: [KeyringEntry] = []

    public init(entries: [KeyringEntry] = []) {
        self.entries = entries
    }

    /// Names: 1–64 letters, digits and `. _ - @ +`.
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { s in
            s.properties.isAlphabetic || s.properties.numericType == .decimal || "._-@+".unicodeScalars.contains(s)
        }
    }

    /// Names given from now on (`keys generate`, `keys trust`): 1–64 ASCII letters,
    /// digits and `. _ - @ +` — so that `bоb` with a Cyrillic о cannot pose as `bob` —
    /// and nothing that looks like a key ID (4 or more characters, all `0–9 a–f`) or a
    /// key line, which `--to` and `keys revoke` would read as one. (Entries named
    /// under the older, wider rule of `isValidName` stay readable.)
    public static func isValidNewName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64 else { return false }
        guard name.utf8.allSatisfy({ b in (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || "._-@+".utf8.contains(b) })
        else { return false }
        if name.count >= 4, name.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }) { return false }
        return !PublicIdentity.looksLikeKeyLine(name)
    }

    public func entry(named name: String) -> KeyringEntry? { entries.first { $0.name == name } }

    /// The key IDs of your other devices (`--mine`, not revoked).
    public var deviceKeyIDs: [String] { entries.filter { $0.isMine && !$0.isRevoked }.map(\.keyID) }
    public func entry(keyID: String) -> KeyringEntry? { entries.first { $0.keyID == keyID } }

    /// The entry holding `key` in any role (current, previous or candidate).
    public func entry(holding key: PublicIdentity) -> KeyringEntry? {
        entries.first { $0.allKeys.contains { $0.constantTimeEquals(key) } }
    }

    /// The entry holding the key with this id in any role.
    public func entry(holdingKeyID keyID: String) -> KeyringEntry? {
        // `allKeys` without building it: a sync asks this for every file and author.
        entries.first { e in
            e.publicIdentity.keyID == keyID || e.previousKeys.contains { $0.publicIdentity.keyID == keyID } || e.candidateKeys.contains { $0.keyID == keyID }
        }
    }

    /// The entry a user means by a name, a key id, or a unique key-id prefix (4+ hex digits).
    public func resolve(_ nameOrKeyID: String) throws(VaultError) -> KeyringEntry {
        if let e = entry(named: nameOrKeyID) { return e }
        let lowered = nameOrKeyID.lowercased()
        if let e = entry(keyID: lowered) { return e }
        if lowered.count >= 4 {
            let matches = entries.filter { $0.keyID.hasPrefix(lowered) }
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 { throw .ambiguousKey(nameOrKeyID) }
        }
        throw .unknownKey(nameOrKeyID)
    }

    /// Adds a trusted entry; refuses a taken name or a key already present.
    public mutating func add(name: String, key: PublicIdentity, at time: Double, isMine: Bool = false) throws(VaultError) {
        guard Self.isValidNewName(name) else { throw .invalidName(name) }
        if let existing = entry(holding: key) {
            throw .duplicateKey(keyID: key.keyID, existingName: existing.name)
        }
        guard entry(named: name) == nil else { throw .duplicateName(name) }
        entries.append(KeyringEntry(name: name, publicIdentity: key, addedAt: time, isMine: isMine))
    }

    public mutating func revoke(_ nameOrKeyID: String, reason: String?, at time: Double) throws(VaultError) -> KeyringEntry {
        let target = try resolve(nameOrKeyID)
        let index = entries.firstIndex(of: target)!
        entries[index].status = .revoked(at: time, reason: reason.map(Self.singleLine))
        return entries[index]
    }

    public mutating func remove(_ nameOrKeyID: String) throws(VaultError) -> KeyringEntry {
        let target = try resolve(nameOrKeyID)
        entries.removeAll { $0 == target }
        return target
    }

    /// Control characters and line breaks become spaces, so a value stays on its line.
    static func singleLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" ? " " : $0 }))
            .trimmingCharacters(in: .whitespaces)
    }
}
