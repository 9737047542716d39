import AIMemCore
import Foundation
import MemoryStore
import Vault

/// The CLI's name for the library's author names (`Vault.AuthorNames`).
typealias Authors = AuthorNames

extension AuthorNames {
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
