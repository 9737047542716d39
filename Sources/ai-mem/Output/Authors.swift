import AIMemCore
import Foundation
import MemoryStore
import Vault

/// Who wrote an observation, in the reader's words: "you" for the store's own user
/// (no author, or one of your keys), the keyring name for a teammate, else the key ID.
struct Authors {
    /// Your current key ID (nil before `keys generate`).
    let ownKeyID: String?
    /// Your current and retired key IDs, and your other devices' (`--mine`).
    let ownKeyIDs: Set<String>
    let keyring: Keyring

    /// Reads your identity, retired keys and keyring. What cannot be read (a damaged
    /// keyring, say) leaves names unknown instead of failing a `list` or `show`; the
    /// commands that rely on keys report those files' errors themselves.
    init(home: Home) {
        let keys = KeyStore(home: home)
        let own = keys.hasIdentity ? (try? keys.identityFile())?.publicIdentity.keyID : nil
        ownKeyID = own
        keyring = (try? keys.keyring()) ?? Keyring()
        ownKeyIDs = Set([own].compactMap { $0 } + ((try? keys.retiredKeyFiles()) ?? []).map(\.keyID) + keyring.deviceKeyIDs)
    }

    /// The author's key ID (yours for a row written here) and name.
    func describe(_ author: String?) -> (keyID: String?, name: String) {
        guard let author else { return (ownKeyID, "you") }
        if let entry = keyring.entry(holdingKeyID: author) { return (author, entry.isMine ? "you (\(entry.name))" : entry.name) }
        if ownKeyIDs.contains(author) { return (author, "you") }
        return (author, "unknown key")
    }

    func json(_ author: String?) -> JSONValue {
        let (keyID, name) = describe(author)
        return .object(JSONObject(["key_id": keyID.map(JSONValue.string) ?? .null, "name": .string(name)]))
    }

    /// `--author NAME|KEYID|me`: whose observations to select.
    func selector(_ text: String) throws -> AuthorSelector {
        if text == "me" || text == "you" || ownKeyIDs.contains(text) { return .storeOwner(keyIDs: ownKeyIDs.sorted()) }
        if let entry = try? keyring.resolve(text) {
            // A teammate's memories, whichever of their keys wrote them.
            return entry.previousKeys.isEmpty ? .key(entry.keyID) : .keys([entry.keyID] + entry.previousKeys.map(\.keyID))
        }
        if text.utf8.count == 16, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) { return .key(text) }
        throw CommandError("no author \(text) in your keyring", hint: "give a keyring name, a 16-digit key ID, or `me`; `ai-mem keys list` shows the names")
    }
}
