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
    /// file of public-key lines (`#` comments and blank lines allowed) written as a
    /// path (`./team.txt`, `/…`, `~/…`) — a bare word is never read as a file, so a
    /// mistyped name cannot pick up a file of that name. Revoked keyring entries are
    /// refused; repeats are dropped, and keys that are not in the keyring named, with
    /// a warning each.
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
            guard let path = Self.pathIfWrittenAsOne(spec) else { throw VaultError.unknownKey(spec) }
            guard FileManager.default.fileExists(atPath: path) else { throw VaultError.unknownRecipientFile(spec) }
            for key in try PublicKeyFile.keys(atPath: path) {
                try add(key, label: label(for: key))
            }
        }
        for r in result where r.label == r.key.keyID {
            warnings.append("recipient \(r.key.keyID) is not in your keyring: check its key ID with its owner, or trust it first (`ai-mem keys trust`)")
        }
        guard !result.isEmpty else { throw SnapshotError.noRecipients }
        guard result.count <= SnapshotFormat.maxRecipients else { throw SnapshotError.tooManyRecipients(result.count) }
        return (result, warnings)
    }

    /// `spec` as a file path when it is written as one: `/…`, `./…`, `../…` or `~/…`.
    public static func pathIfWrittenAsOne(_ spec: String) -> String? {
        if spec.hasPrefix("/") || spec.hasPrefix("./") || spec.hasPrefix("../") { return spec }
        if spec.hasPrefix("~/") { return NSHomeDirectory() + String(spec.dropFirst(1)) }
        return nil
    }
}
