import AIMemCore
import MemoryStore

/// The parsing stage of a snapshot read: a worker takes the decryptor's lines
/// (themselves decrypted by another worker), validates each line strictly, judges
/// the author of payload-2 lines (docs/FORMAT.md §6.3: relayed lines have their
/// author signature verified here, off the database thread) and lays records out
/// for SQLite, and hands batches to the caller, whose thread holds the write
/// transaction and does only database work. Errors arrive in stream order, after
/// every line before them.
final class RecordPipeline {
    struct Parsed {
        var line: Int
        /// A record line, or nil for a tombstone line.
        var record: Observation?
        var tombstone: Tombstone?
        /// Prepared for insertion (nil when not applying).
        var columns: RecordColumns?
        /// Who wrote it (payload 1: the signer).
        var author: String
        /// The author's signature, kept for relays.
        var signature: [UInt8]?
        /// Set when the line's author is not accepted: it is not applied.
        var refusal: AuthorRefusal?

        var id: String { record?.id ?? tombstone!.id }
    }

    /// At most 4 batches, or 4 MiB of lines (a single batch may be one large line), wait;
    /// a batch is handed over at 64 lines or 1 MiB of them, so that the few in flight
    /// stay small whatever the records' size.
    private let lines: BatchStream<Parsed>

    /// What the reader knows for judging payload-2 authors.
    struct Context {
        var metadata: SnapshotMetadata
        var trust: AuthorTrust
        var prepareColumns: Bool
        var expected: (model: String, dim: Int) { (metadata.embeddingModel, metadata.embeddingDimension) }
    }

    init(decryptor: SnapshotDecryptor, context: Context) {
        lines = BatchStream(name: "snapshot-parse") { sender in
            let records = context.metadata.count
            let total = records + context.metadata.tombstones
            var count = 0
            while let line = try decryptor.nextLine() {
                let number = decryptor.lineNumber
                count += 1
                guard !line.isEmpty else { throw SnapshotError.invalidPayload(line: number, reason: "blank line") }
                guard count <= total else { throw SnapshotError.countMismatch(declared: total, actual: count) }
                guard sender.add(try Self.parse(line, number: number, isRecord: count <= records, context: context), bytes: line.count) else { return }
            }
        }
    }

    /// The next line, or nil after the last.
    func next() throws -> Parsed? { try lines.next() }

    static func parse(_ line: ArraySlice<UInt8>, number: Int, isRecord: Bool, context: Context) throws -> Parsed {
        let metadata = context.metadata
        guard metadata.payload >= 2 else {
            let record = try decode(line, number: number, expected: context.expected)
            return Parsed(line: number, record: record, columns: context.prepareColumns ? RecordColumns(record) : nil,
                          author: metadata.exporterKeyID)
        }
        func checkTime(_ value: Double, _ member: String) throws {
            guard TimeBounds.contains(value, reference: metadata.createdAt) else {
                throw SnapshotError.invalidPayload(line: number, reason: "\(member) \(JSONNumberText.format(value)) is before 2000-01-01 or more than a day after the snapshot's created_at")
            }
        }
        if isRecord {
            let (record, claim) = try decodeWithAuthor(line, number: number, expected: context.expected)
            try checkTime(record.createdAt, "created_at")
            try checkTime(record.updatedAt, "updated_at")
            let refusal = try context.trust.judge(claim, dated: record.updatedAt) { key, signature in
                try AuthorSignature.verify(signature, record: record, key: key)
            }
            return Parsed(line: number, record: record, columns: context.prepareColumns && refusal == nil ? RecordColumns(record) : nil,
                          author: claim.keyID, signature: claim.signature, refusal: refusal)
        }
        let tombstone = try decodeTombstone(line, number: number)
        try checkTime(tombstone.deletedAt, "deleted_at")
        let claim = AuthorClaim(keyID: tombstone.authorKeyID, signature: tombstone.signature)
        let refusal = try context.trust.judge(claim, dated: tombstone.deletedAt) { key, signature in
            try AuthorSignature.verifyTombstone(signature, id: tombstone.id, deletedAt: tombstone.deletedAt, key: key)
        }
        return Parsed(line: number, tombstone: tombstone, author: claim.keyID, signature: claim.signature, refusal: refusal)
    }

    /// A payload-1 record line: canonical lines (all that ai-mem writes) take the
    /// fast path; anything else is decided, with its exact reason, by the full parser.
    static func decode(_ line: ArraySlice<UInt8>, number: Int, expected: (model: String, dim: Int)?) throws -> Observation {
        if let record = line.withUnsafeBytes({ CanonicalRecordReader.read($0, expected: expected) }) { return record }
        do {
            return try StrictRecord.decode(SnapshotVault.parse(line, line: number), expected: expected)
        } catch let error as StrictRecord.Invalid {
            throw SnapshotError.invalidPayload(line: number, reason: error.reason)
        }
    }

    /// A payload-2 record line: the record members and `author`.
    static func decodeWithAuthor(_ line: ArraySlice<UInt8>, number: Int, expected: (model: String, dim: Int)?) throws -> (Observation, AuthorClaim) {
        if let fast = line.withUnsafeBytes({ CanonicalRecordReader.readWithAuthor($0, expected: expected) }) { return fast }
        do throws(any Error) {
            guard case .object(let object) = try SnapshotVault.parse(line, line: number) else {
                throw StrictRecord.Invalid(reason: "a record must be a JSON object")
            }
            guard let authorValue = object["author"] else { throw StrictRecord.Invalid(reason: "missing field \"author\"") }
            let record = try StrictRecord.decode(.object(JSONObject(object.members.filter { $0.key != "author" })), expected: expected)
            return (record, try AuthorClaim.decode(authorValue, signatureRequired: false))
        } catch let error as StrictRecord.Invalid {
            throw SnapshotError.invalidPayload(line: number, reason: error.reason)
        }
    }

    /// A tombstone line (docs/FORMAT.md §4.5).
    static func decodeTombstone(_ line: ArraySlice<UInt8>, number: Int) throws -> Tombstone {
        do throws(any Error) {
            guard case .object(let outer) = try SnapshotVault.parse(line, line: number), outer.members.count == 1,
                  case .object(let t)? = outer["tombstone"] else {
                throw StrictRecord.Invalid(reason: "a tombstone line must be {\"tombstone\": {id, deleted_at, author}}")
            }
            for key in t.keys where !["id", "deleted_at", "author"].contains(key) { throw StrictRecord.Invalid(reason: "unknown field \"tombstone.\(key)\"") }
            guard case .string(let id)? = t["id"], StrictRecord.isValidID(id) else {
                throw StrictRecord.Invalid(reason: "\"tombstone.id\" must be 1 to \(StrictRecord.maxIDBytes) bytes, without U+0000")
            }
            guard case .number(let text)? = t["deleted_at"], let deletedAt = Double(text), deletedAt.isFinite else {
                throw StrictRecord.Invalid(reason: "\"tombstone.deleted_at\" must be a finite number")
            }
            let claim = try AuthorClaim.decode(t["author"], signatureRequired: true)
            return Tombstone(id: id, deletedAt: deletedAt, authorKeyID: claim.keyID, signature: claim.signature!)
        } catch let error as StrictRecord.Invalid {
            throw SnapshotError.invalidPayload(line: number, reason: error.reason)
        }
    }
}

/// Why a payload-2 line's author was not accepted (docs/FORMAT.md §6.3).
public enum AuthorRefusal: String, Sendable, Equatable {
    /// The author is not a key the reader trusts (or vouches for).
    case unknownAuthor = "unknown author"
    /// The author's signature does not verify with the reader's copy of their key.
    case forgedAuthor = "forged author"
}

/// The keys a reader accepts as authors of relayed lines.
struct AuthorTrust: Sendable {
    var signerKeyID: String
    /// The signer is one of the reader's own keys (a backup, another device).
    var signerIsOwn: Bool
    /// The keys that may author lines (`KeyDirectory.authorKeys`): the reader's own
    /// and its keyring's, not revoked, compromised or disputed.
    var keys: [String: AuthorKey]

    /// nil when the claim is accepted; `verify` checks a signature with the reader's
    /// copy of the key. `dated`: the version's `updated_at` (a tombstone's
    /// `deleted_at`) — a rotated key authors only versions dated by its rotation.
    func judge(_ claim: AuthorClaim, dated time: Double, verify: (PublicIdentity, [UInt8]) throws -> Bool) throws -> AuthorRefusal? {
        if claim.keyID == signerKeyID { return nil }
        guard let author = keys[claim.keyID] else { return .unknownAuthor }
        if let until = author.until, time.rounded(.down) > until { return .unknownAuthor }
        guard let signature = claim.signature else { return signerIsOwn ? nil : .unknownAuthor }
        return try verify(author.key, signature) ? nil : .forgedAuthor
    }
}
