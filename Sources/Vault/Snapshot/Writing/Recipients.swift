import AIMemCore
import Foundation
import MemoryStore

/// A snapshot recipient and how to call it in messages.
public struct Recipient: Sendable, Equatable {
    public var key: PublicIdentity
    /// A keyring name, "you", or the key id.
    public var label: String
}

public enum Recipients {
    /// Resolves `--to` values: a keyring name or key id, a public-key line, or a
    /// file of public-key lines (`#` comments and blank lines allowed). Revoked
    /// keyring entries are refused; repeats are dropped with a warning.
    public static func resolve(_ specs: [String], keyring: Keyring, own: PublicIdentity?, includeSelf: Bool) throws -> (recipients: [Recipient], warnings: [String]) {
        var result: [Recipient] = []
        var warnings: [String] = []
        func add(_ key: PublicIdentity, label: String) throws {
            if let entry = keyring.entries.first(where: { $0.publicIdentity.constantTimeEquals(key) }), entry.isRevoked {
                throw SnapshotError.revokedRecipient(name: entry.name)
            }
            if let existing = result.first(where: { $0.key.constantTimeEquals(key) }) {
                warnings.append("recipient \(label) given more than once (as \(existing.label)); it is included once")
                return
            }
            result.append(Recipient(key: key, label: label))
        }
        func label(for key: PublicIdentity) -> String {
            if let own, own.constantTimeEquals(key) { return "you" }
            return keyring.entries.first(where: { $0.publicIdentity.constantTimeEquals(key) })?.name ?? key.keyID
        }
        if includeSelf, let own { try add(own, label: "you") }
        for spec in specs {
            if PublicIdentity.looksLikeKeyLine(spec) {
                let key = try PublicIdentity(keyLine: spec)
                try add(key, label: label(for: key))
                continue
            }
            if let entry = try? keyring.resolve(spec) {
                try add(entry.publicIdentity, label: entry.name)
                continue
            }
            guard FileManager.default.fileExists(atPath: spec) else { throw VaultError.unknownKey(spec) }
            for key in try PublicKeyFile.keys(atPath: spec) {
                try add(key, label: label(for: key))
            }
        }
        guard !result.isEmpty else { throw SnapshotError.noRecipients }
        guard result.count <= SnapshotFormat.maxRecipients else { throw SnapshotError.tooManyRecipients(result.count) }
        return (result, warnings)
    }
}
