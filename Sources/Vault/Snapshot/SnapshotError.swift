import AIMemCore
import MemoryStore

/// Why a snapshot was refused. Each message starts with its class
/// ("not a recipient", "signature invalid", "truncated", …) so users and
/// scripts can tell refusals apart.
public enum SnapshotError: UserFacingError, Equatable {
    case notASnapshot
    case unsupportedVersion(Int)
    case malformedHeader(String)
    case notARecipient(keyIDs: [String])
    case forwarded(keyID: String)
    case untrustedSigner(keyID: String, claimedName: String)
    case revokedSigner(name: String, keyID: String)
    /// A key retired as compromised, or revoked by its own statement.
    case compromisedSigner(name: String, keyID: String)
    /// A key of a disputed keyring entry.
    case disputedSigner(name: String, keyID: String)
    /// A rotated key, on a snapshot made after its rotation.
    case signedAfterRotation(name: String, keyID: String, rotatedAt: Double, createdAt: Double)
    case signatureInvalid
    case truncated
    case corrupted(chunk: Int)
    case trailingData
    case invalidPayload(line: Int, reason: String)
    case duplicateID(line: Int, id: String)
    case countMismatch(declared: Int, actual: Int)
    case noRecipients
    case tooManyRecipients(Int)
    case revokedRecipient(name: String)
    /// A merged snapshot's id on other content.
    case reusedSnapshotID(String)
    /// A shared folder's file whose signed metadata contradicts its place (folder or name).
    case misplaced(file: String, signerKeyID: String, folder: String)

    /// The short class name used in messages, JSON and test vectors.
    public var errorClass: String {
        switch self {
        case .notASnapshot: return "not a snapshot"
        case .unsupportedVersion: return "unsupported version"
        case .malformedHeader: return "malformed header"
        case .notARecipient, .forwarded: return "not a recipient"
        case .untrustedSigner: return "untrusted signer"
        case .revokedSigner: return "revoked signer"
        case .compromisedSigner: return "compromised signer"
        case .disputedSigner: return "disputed signer"
        case .signedAfterRotation: return "rotated signer"
        case .signatureInvalid: return "signature invalid"
        case .truncated: return "truncated"
        case .corrupted: return "corrupted"
        case .trailingData: return "trailing data"
        case .invalidPayload: return "invalid payload"
        case .duplicateID: return "duplicate id"
        case .countMismatch: return "count mismatch"
        case .noRecipients: return "no recipients"
        case .tooManyRecipients: return "too many recipients"
        case .revokedRecipient: return "revoked recipient"
        case .reusedSnapshotID: return "reused snapshot id"
        case .misplaced: return "misplaced"
        }
    }

    public var message: String {
        switch self {
        case .notASnapshot: return "not a snapshot: the file does not start with an ai-mem snapshot header"
        case .unsupportedVersion(let v): return "unsupported version \(v) (this ai-mem reads version 1)"
        case .malformedHeader(let reason): return "malformed header: \(reason)"
        case .notARecipient(let ids):
            return "not a recipient: the snapshot is not encrypted to your key\(ids.count == 1 ? "" : "s") \(ids.joined(separator: ", "))"
        case .forwarded(let id):
            return "not a recipient: the signed recipient list does not include your key \(id) (the snapshot was forwarded or re-wrapped)"
        case .untrustedSigner(let id, let name): return "untrusted signer \(id) (calls itself \(name)): not in your keyring"
        case .revokedSigner(let name, let id): return "revoked signer \(name) (key \(id))"
        case .compromisedSigner(let name, let id):
            return "compromised signer: key \(id) of \(name) was retired as compromised or revoked by its owner; nothing it signs is accepted"
        case .disputedSigner(let name, let id):
            return "disputed signer \(name) (key \(id)): a key of \(name) signed two different rotations or was revoked, so none of the keys that followed it is trusted until you confirm one"
        case .signedAfterRotation(let name, let id, let rotatedAt, let createdAt):
            return "rotated signer: key \(id) of \(name) was rotated on \(DateParsing.format(rotatedAt)), and this snapshot was made on \(DateParsing.format(createdAt)), after that"
        case .signatureInvalid: return "signature invalid: the snapshot was altered or not made by its claimed signer"
        case .truncated: return "truncated: the snapshot ends before its final chunk"
        case .corrupted(let chunk): return "corrupted at chunk \(chunk): it fails authentication (altered, reordered, duplicated or missing data)"
        case .trailingData: return "trailing data after the final chunk"
        case .invalidPayload(let line, let reason): return "invalid payload at line \(line): \(reason)"
        case .duplicateID(let line, let id): return "duplicate id \(id) at line \(line)"
        case .countMismatch(let declared, let actual):
            return "count mismatch: the snapshot declares \(declared) records but holds \(actual > declared ? "more" : String(actual))"
        case .noRecipients: return "no recipients: the snapshot would be readable by nobody"
        case .tooManyRecipients(let n): return "too many recipients: \(n) (at most 64)"
        case .revokedRecipient(let name): return "revoked recipient \(name): its key is revoked in your keyring"
        case .reusedSnapshotID(let id):
            return "reused snapshot id: snapshot \(id) was already merged, and this file holds other content under the same id"
        case .misplaced(let file, let signer, let folder):
            return "misplaced: \(file) in the folder of \(folder) is signed by \(signer), or its name does not give its sequence and snapshot id"
        }
    }

    public var hint: String? {
        switch self {
        case .notASnapshot: return "plain exports are read with `ai-mem import`"
        case .unsupportedVersion: return "upgrade ai-mem to read this snapshot"
        case .notARecipient: return "ask the sender to export again with `--to` your key (`ai-mem keys show` prints it)"
        case .forwarded: return "ask the original sender for a snapshot addressed to you"
        case .untrustedSigner(let id, _): return "if you know this person, check the key id \(id) with them, then `ai-mem keys trust KEY --name NAME`"
        case .revokedSigner: return "you revoked this key; snapshots it signs are refused"
        case .compromisedSigner: return "nothing was merged. Whoever holds that key is not to be believed; ask its owner for a snapshot signed with their current key"
        case .disputedSigner(let name, _):
            return "nothing was merged. Check \(name)'s current key id with them by another channel, then `ai-mem keys confirm \(name) KEY`"
        case .signedAfterRotation(let name, _, _, _):
            return "nothing was merged. A rotated key signs only what it made before its rotation; ask \(name) for a snapshot signed with their current key"
        case .noRecipients: return "add --to NAME, or drop --no-self"
        case .revokedRecipient: return "a revoked key must not receive new snapshots; `ai-mem keys list` shows the keyring"
        case .tooManyRecipients: return nil
        case .misplaced: return "nothing was merged from it; each signer writes only its own folder, under the names ai-mem gives its files"
        case .reusedSnapshotID: return "nothing was merged; the store is unchanged. Ask the signer to export again: a new export gets a new id"
        default: return "nothing was merged; the store is unchanged. Ask the sender for a fresh copy"
        }
    }
}
