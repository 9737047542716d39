import AIMemCore
import Foundation
import MemoryStore

/// Who wrote an observation, in the reader's words: "you" for the store's own user
/// (no author, or one of your keys), the keyring name for a teammate, else the key ID.
public struct AuthorNames: Sendable {
    /// Your current key ID (nil before `keys generate`).
    public let ownKeyID: String?
    /// Your current and retired key IDs, and your other devices' (`--mine`).
    public let ownKeyIDs: Set<String>
    public let keyring: Keyring

    /// Reads your identity, retired keys and keyring. What cannot be read (a damaged
    /// keyring, say) leaves names unknown instead of failing a `list` or `show`; the
    /// commands that rely on keys report those files' errors themselves.
    public init(home: Home) {
        self.init(keys: KeyStore(home: home))
    }

    /// The same, from `keys` (whose keyring is parsed again only when its file changed).
    public init(keys: KeyStore) {
        let own = keys.hasIdentity ? (try? keys.identityFile())?.publicIdentity.keyID : nil
        ownKeyID = own
        keyring = (try? keys.keyring()) ?? Keyring()
        ownKeyIDs = Set([own].compactMap { $0 } + ((try? keys.retiredKeyFiles()) ?? []).map(\.keyID) + keyring.deviceKeyIDs)
    }

    /// The author's key ID (yours for a row written here) and name.
    public func describe(_ author: String?) -> (keyID: String?, name: String) {
        guard let author else { return (ownKeyID, "you") }
        if let entry = keyring.entry(holdingKeyID: author) { return (author, entry.isMine ? "you (\(entry.name))" : entry.name) }
        if ownKeyIDs.contains(author) { return (author, "you") }
        return (author, "unknown key")
    }

    /// Whether `author` (nil: written here) is the store's own user.
    public func isYou(_ author: String?) -> Bool {
        guard let author else { return true }
        return ownKeyIDs.contains(author) || keyring.entry(holdingKeyID: author)?.isMine == true
    }

    /// `{"key_id": …, "name": …}`.
    public func json(_ author: String?) -> JSONValue {
        let (keyID, name) = describe(author)
        return .object(JSONObject(["key_id": keyID.map(JSONValue.string) ?? .null, "name": .string(name)]))
    }
}
