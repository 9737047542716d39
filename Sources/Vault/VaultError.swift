import AIMemCore
import Sodium

/// Why a public-key line was refused.
public enum KeyLineProblem: Sendable, Equatable {
    case notAKeyLine
    case unsupportedVersion(String)
    case invalidCharacter(position: Int)
    case nonCanonicalEncoding
    case wrongLength(actual: Int, expected: Int)
    case badChecksum
    /// The Ed25519 or X25519 half is not a point any real key pair has (all zeros, small order, non-canonical).
    case unusableKey(which: String)

    public var description: String {
        switch self {
        case .notAKeyLine: return "not an ai-mem public key (it should start with \(PublicIdentity.keyLinePrefix))"
        case .unsupportedVersion(let v): return "unsupported key version \(v) (this ai-mem reads \(PublicIdentity.keyLinePrefix))"
        case .invalidCharacter(let p): return "invalid character at position \(p)"
        case .nonCanonicalEncoding: return "invalid encoding (not canonical base64url)"
        case .wrongLength(let a, let e): return "wrong length: \(a) bytes instead of \(e)"
        case .badChecksum: return "bad checksum (a character is mistyped or missing)"
        case .unusableKey(let which): return "its \(which) key is not a usable point (all zeros, small order or non-canonical): nobody holds its secret key"
        }
    }
}

/// Errors of identities, the keyring and snapshots, each with a message and a hint.
public enum VaultError: UserFacingError, Equatable {
    case invalidKeyLine(KeyLineProblem)
    /// A line of a public-key file (`--to FILE`, `keys trust FILE`) that is not a public key.
    case invalidKeyFileLine(path: String, line: Int, problem: KeyLineProblem)
    /// A public-key file that does not hold exactly one key or statement.
    case keyFileCount(path: String, count: Int)
    /// A recipients file without a single public-key line.
    case noKeysInFile(path: String)
    case noIdentity(home: String)
    case identityExists(path: String)
    case insecureKeyFile(path: String, mode: Int)
    /// A key file or keyring that belongs to another user.
    case foreignFile(path: String, uid: UInt32)
    /// A keyring that group or others may write.
    case insecureKeyring(path: String, mode: Int)
    case malformedKeyFile(path: String, reason: String)
    case workFactorTooHigh(path: String, detail: String)
    /// A key file whose decrypted secret gives other public keys than it records.
    case secretDoesNotMatchKey(keyID: String)
    case wrongPassphrase(keyID: String)
    case passphraseUnavailable(purpose: String)
    case emptyPassphrase
    case passphraseMismatch
    case passphraseFile(path: String, reason: String)
    case malformedKeyring(path: String, line: Int, reason: String)
    case invalidName(String)
    case duplicateName(String)
    case duplicateKey(keyID: String, existingName: String)
    case ownKey
    case unknownKey(String)
    /// A `--to` path that names no file.
    case unknownRecipientFile(String)
    case ambiguousKey(String)
    case invalidRotationStatement(String)
    case rotationFromUnknownKey(keyID: String)
    case rotationFromRevokedKey(name: String)
    case forgedRotationStatement(keyID: String)
    case invalidRevocationStatement(String)
    case revocationOfUnknownKey(keyID: String)
    /// A statement from a key of an entry in dispute.
    case disputedEntry(name: String)
    /// `keys confirm` of a key the entry held before.
    case confirmPreviousKey(name: String, keyID: String)
    /// `keys confirm` of another key for an entry that is neither disputed nor revoked.
    case confirmTrustedEntry(name: String, keyID: String)
    /// `keys confirm` of a revoked entry's revoked key.
    case confirmRevokedKey(name: String, keyID: String)
    /// A statement applied without `--yes` where nobody can be asked.
    case confirmationNeeded(String)
    /// `keys revoke-self` of the current key.
    case revokeCurrentKey(keyID: String)
    case unknownRetiredKey(String)
    /// `--since-snapshot` naming no snapshot this store exported.
    case unknownExport(String)
    /// A libsodium call failed (see `SodiumError`).
    case crypto(SodiumError)
    case io(IOError)

    public var message: String {
        switch self {
        case .invalidKeyLine(let problem): return "invalid public key: \(problem.description)"
        case .invalidKeyFileLine(let path, let line, let problem): return "\(path): line \(line): invalid public key: \(problem.description)"
        case .keyFileCount(let path, let count): return "\(path) holds \(count) keys; expected exactly one"
        case .noKeysInFile(let path): return "\(path) holds no public key"
        case .noIdentity(let home): return "no identity in \(home)"
        case .identityExists(let path): return "an identity already exists at \(path); refusing to overwrite it"
        case .insecureKeyFile(let path, let mode):
            return "the secret key file \(path) is open to group or others (mode \(String(mode, radix: 8)): only you may read or write it)"
        case .foreignFile(let path, let uid):
            return "\(path) belongs to another user (uid \(uid)), so it cannot be trusted"
        case .insecureKeyring(let path, let mode):
            return "the keyring \(path) is writable by group or others (mode \(String(mode, radix: 8))): anyone who can write it chooses whom you trust"
        case .malformedKeyFile(let path, let reason): return "the secret key file \(path) is malformed: \(reason)"
        case .workFactorTooHigh(let path, let detail): return "the secret key file \(path) asks for too much work: \(detail)"
        case .wrongPassphrase(let keyID): return "wrong passphrase for key \(keyID)"
        case .secretDoesNotMatchKey(let keyID): return "the secret key file of key \(keyID) is damaged: its secret does not give the public key it records"
        case .passphraseUnavailable(let purpose): return "a passphrase is needed to \(purpose), and none was given"
        case .emptyPassphrase: return "the passphrase is empty"
        case .passphraseMismatch: return "the passphrases do not match"
        case .passphraseFile(let path, let reason): return "cannot read the passphrase file \(path): \(reason)"
        case .malformedKeyring(let path, let line, let reason): return "\(path): line \(line): \(reason)"
        case .invalidName(let name): return "invalid name \"\(name)\""
        case .duplicateName(let name): return "the keyring already has an entry named \(name)"
        case .duplicateKey(let keyID, let existing): return "key \(keyID) is already in the keyring as \(existing)"
        case .ownKey: return "that is your own key"
        case .unknownKey(let what): return "no keyring entry named or with key id \(what)"
        case .unknownRecipientFile(let path): return "no file \(path) of public keys"
        case .ambiguousKey(let what): return "\(what) matches more than one keyring entry"
        case .invalidRotationStatement(let reason): return "invalid rotation statement: \(reason)"
        case .rotationFromUnknownKey(let keyID): return "untrusted signer \(keyID): the rotation statement's old key is not in your keyring"
        case .rotationFromRevokedKey(let name): return "revoked signer \(name): a revoked key cannot rotate"
        case .forgedRotationStatement(let keyID): return "signature invalid: the rotation statement was not signed by key \(keyID)"
        case .invalidRevocationStatement(let reason): return "invalid revocation statement: \(reason)"
        case .revocationOfUnknownKey(let keyID): return "key \(keyID) is not in your keyring, so its revocation changes nothing"
        case .disputedEntry(let name):
            return "disputed: the keyring entry \(name) is disputed (a key of it signed two different rotations, or was revoked), so no statement from its keys is applied"
        case .confirmPreviousKey(let name, let keyID): return "key \(keyID) is a previous key of \(name): an entry never goes back to a key it rotated away from"
        case .confirmTrustedEntry(let name, let keyID):
            return "\(name) is trusted with key \(keyID), and not disputed or revoked: there is nothing to confirm but that key"
        case .confirmRevokedKey(let name, let keyID): return "key \(keyID) of \(name) is revoked: a revoked key is never trusted again"
        case .confirmationNeeded(let what): return "confirmation needed: \(what)"
        case .revokeCurrentKey(let keyID): return "key \(keyID) is your current key; revoking it would leave you without one"
        case .unknownRetiredKey(let what): return "no retired key of yours matches \(what)"
        case .unknownExport(let id): return "no snapshot \(id) was exported from this store"
        case .crypto(let error): return "cryptographic operation failed: \(error.description)"
        case .io(let error): return error.message
        }
    }

    public var hint: String? {
        switch self {
        case .invalidKeyLine, .invalidKeyFileLine: return "copy the whole line from `ai-mem keys show` on the key owner's machine"
        case .keyFileCount: return "put one public key per file (blank lines and # comments are fine)"
        case .noKeysInFile: return "a recipients file holds public-key lines (`ai-mem keys show` prints one), one per line"
        case .noIdentity: return "create one with `ai-mem keys generate`"
        case .identityExists: return "use `ai-mem keys rotate` to replace it, or `ai-mem keys passwd` to change its passphrase"
        case .insecureKeyFile(let path, _): return "chmod 600 \(path)"
        case .foreignFile(let path, _): return "check who put it there; keep your home to yourself (ai-mem makes it 0700), or move \(path) away"
        case .insecureKeyring(let path, _): return "check its entries with `ai-mem keys list`, then chmod 600 \(path)"
        case .malformedKeyFile: return "restore the file from a backup"
        case .workFactorTooHigh: return "this file was not written by ai-mem; do not use it"
        case .secretDoesNotMatchKey: return "restore the file from a backup"
        case .wrongPassphrase: return "check AI_MEM_PASSPHRASE, --passphrase-file, or what you typed"
        case .passphraseUnavailable:
            return "pass --passphrase-file FILE, set AI_MEM_PASSPHRASE, or run in a terminal to be asked"
        case .emptyPassphrase: return "choose a passphrase, or use --no-passphrase for unattended use"
        case .passphraseMismatch: return "type the same passphrase twice"
        case .passphraseFile: return nil
        case .malformedKeyring: return "fix or remove that line; `ai-mem keys list` checks the keyring"
        case .invalidName: return "use 1 to 64 ASCII letters, digits, and . _ - @ +, not only hex digits (that reads as a key ID)"
        case .duplicateName: return "choose another name, or `ai-mem keys remove` the old entry first"
        case .duplicateKey: return "a key can be trusted under one name only"
        case .ownKey: return "your own identity is always yours; `ai-mem keys show` prints it"
        case .unknownKey: return "`ai-mem keys list` shows the names and key ids; a file of public keys is given as a path (./FILE)"
        case .unknownRecipientFile: return "check the path; a recipients file holds one public-key line per line"
        case .ambiguousKey: return "use the full key id"
        case .invalidRotationStatement: return "copy the whole statement printed by `ai-mem keys rotate`"
        case .rotationFromUnknownKey: return "a rotation can only move a key you already trust; trust the new key directly after checking it with its owner"
        case .rotationFromRevokedKey: return "check with the key's owner and trust the new key directly"
        case .forgedRotationStatement: return "do not trust this statement; ask the key's owner for the new key"
        case .invalidRevocationStatement: return "copy the whole statement printed by `ai-mem keys revoke-self` or `ai-mem keys rotate --compromised`"
        case .revocationOfUnknownKey: return "`ai-mem keys list` shows the keys you trust"
        case .disputedEntry(let name):
            return "check \(name)'s current key id with them by another channel (in person, a call), then `ai-mem keys confirm \(name) KEY`"
        case .confirmPreviousKey: return "ask for the owner's current key (`ai-mem keys show` on their machine)"
        case .confirmTrustedEntry(let name, _): return "a trusted entry moves to a new key through \(name)'s rotation statement (`ai-mem keys trust STATEMENT`)"
        case .confirmRevokedKey: return "ask for the owner's new key (`ai-mem keys show` on their machine) and confirm that"
        case .confirmationNeeded: return "run it on a terminal to be asked, or pass --yes once you have checked the key ids with their owner"
        case .revokeCurrentKey: return "use `ai-mem keys rotate --compromised`: it makes a new key and revokes the old one"
        case .unknownRetiredKey: return "`ai-mem keys list` shows your retired keys"
        case .unknownExport: return "give the id `snapshot export` printed, or use --incremental alone to follow the last snapshot to the same recipients"
        case .crypto: return nil
        case .io(let error): return error.hint
        }
    }
}
