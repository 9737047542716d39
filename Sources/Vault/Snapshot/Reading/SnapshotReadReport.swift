import AIMemCore
import MemoryStore

/// Who signed a snapshot, as the reader's identity and keyring see it.
public struct SignerInfo: Sendable, Equatable {
    public enum Trust: Sendable, Equatable {
        /// One of the reader's own keys (current or retired).
        case you
        case trusted
        case revoked
        case untrusted
        /// A key retired as compromised, or revoked by its own statement.
        case compromised
        /// A key of a keyring entry in dispute (docs/KEYS.md, "Key history").
        case disputed
        /// A rotated key, on a snapshot made after its rotation.
        case signedAfterRotation
    }

    public var keyID: String
    /// The keyring name, your own name, or the name the snapshot claims (untrusted).
    public var name: String
    public var trust: Trust
    /// The key to verify with: from the reader's identity or keyring, never from the file.
    public var key: PublicIdentity?
    /// A rotated (previous or retired) key: its rotation's time. Snapshots it made
    /// up to then are its owner's.
    public var rotatedAt: Double?

    public init(keyID: String, name: String, trust: Trust, key: PublicIdentity?, rotatedAt: Double? = nil) {
        self.keyID = keyID
        self.name = name
        self.trust = trust
        self.key = key
        self.rotatedAt = rotatedAt
    }
}

/// What reading a snapshot found and did.
public struct SnapshotReadReport: Sendable, Equatable {
    public var metadata: SnapshotMetadata
    public var signer: SignerInfo
    /// The reader's key that opened the snapshot.
    public var readerKeyID: String
    /// Whether the reader's key is in the signed recipient list.
    public var addressedToReader: Bool
    /// nil when it could not be checked (unknown signer, `inspect`).
    public var signatureValid: Bool?
    /// Records read (and applied, for a merge).
    public var records = 0
    /// Payload 2: tombstone lines read.
    public var tombstones = 0
    /// `inspect`: the `[REDACTED:rule]` markers its records carry (an export with `--redact` wrote them).
    public var redactionMarkers = 0
    public var counts = MergeCounts()
    /// Secrets in the records this merge stored (added, or replacing a row), the
    /// first `SnapshotReadReport.secretsListed`, when the merge was asked to find
    /// them; `secretCount` counts them all.
    public var secrets: [MemorySecretFinding] = []
    public var secretCount = 0
    public static let secretsListed = 1000
    public var alreadyMerged = false
    /// An older snapshot from a signer whose newer one was already merged.
    public var replay = false
    public var committed = false
    /// An increment whose base (docs/FORMAT.md §4.8) the reader's ledger does not
    /// hold from its signer: what it carries was applied, what came before is missing.
    public var missingBase: SnapshotMetadata.Base?
    /// Names of the recipients known to the reader, by key id.
    public var recipientNames: [String: String] = [:]
}
