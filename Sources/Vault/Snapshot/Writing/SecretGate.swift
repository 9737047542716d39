import AIMemCore
import MemoryStore
import SecretScan

/// What a snapshot does with memories that hold secrets (docs/FORMAT.md §4.9).
public enum SecretPolicy: Sendable, Equatable {
    /// Refuse the export when the selection holds any finding (to anyone but yourself).
    case refuse
    /// Carry each of your memories with its findings replaced by `[REDACTED:rule]`,
    /// re-signed; leave out others' memories that hold findings (only their author may change them).
    case redact
    /// Carry everything as it is.
    case allow
    /// Carry everything and report the findings (a backup to yourself only).
    case warn
}

/// A secret in one memory of a selection.
public struct MemorySecretFinding: Sendable, Equatable {
    public var memoryID: String
    /// nil: written here by the store's own user.
    public var authorKeyID: String?
    public var finding: SecretFinding

    public init(memoryID: String, authorKeyID: String?, finding: SecretFinding) {
        self.memoryID = memoryID
        self.authorKeyID = authorKeyID
        self.finding = finding
    }
}

/// What the gate saw and did.
public struct SecretGateReport: Sendable, Equatable {
    public var findings: [MemorySecretFinding] = []
    /// Memories carried redacted, and how many findings they had.
    public var redactedMemories = 0
    public var redactions = 0
    /// Memories of other authors left out because they hold findings (`.redact`).
    public var leftOut: [String] = []
}

/// The selection holds secrets and the policy is `.refuse`.
public struct SecretsInSelection: UserFacingError, Equatable {
    public var findings: [MemorySecretFinding]

    /// One line: how many secrets in how many memories (the CLI lists `findings` before it).
    public var message: String {
        let memories = Set(findings.map(\.memoryID)).count
        return "the selection holds \(findings.count) secret\(findings.count == 1 ? "" : "s") in \(memories) memor\(memories == 1 ? "y" : "ies"): nothing was written"
    }

    public var hint: String? {
        "`ai-mem redact ID` removes them from a memory for good; --redact sends each finding as [REDACTED:rule]; --allow-secrets sends them as they are"
    }
}

/// The export's secret check: one scan of what the snapshot will carry, in its
/// read transaction, before a byte is written.
public enum SecretGate {
    static func check(_ snapshot: SnapshotLines, policy: SecretPolicy, scanner: SecretScanner, ownKeyIDs: Set<String>,
                      signer: SecretIdentity) throws -> (edits: RecordEdits, report: SecretGateReport) {
        var report = SecretGateReport()
        var edits = RecordEdits()
        guard policy != .allow else { return (edits, report) }
        var flagged: [(id: String, author: String?)] = []
        try snapshot.forEachText { text in
            let found = Self.findings(in: text, scanner: scanner)
            if let first = found.first { flagged.append((first.memoryID, first.authorKeyID)) }
            report.findings += found
        }
        switch policy {
        case .allow, .warn:
            break
        case .refuse:
            if !report.findings.isEmpty { throw SecretsInSelection(findings: report.findings) }
        case .redact:
            for (id, author) in flagged {
                guard author == nil || ownKeyIDs.contains(author!) else {
                    edits.omitted.insert(id)
                    report.leftOut.append(id)
                    continue
                }
                guard var o = try snapshot.observation(id: id) else { continue }
                let count = Redaction.apply(scanner, to: &o)
                o.author = signer.publicIdentity.keyID
                let signature = try AuthorSignature.sign(o, as: signer)
                var record = ObservationCodec.encode(o, embedding: .full)
                record.append("author", .object(JSONObject([
                    "key_id": .string(signer.publicIdentity.keyID), "signature": .string(Base64.encode(signature)),
                ])))
                var writer = JSONWriter()
                writer.write(record)
                edits.replacements[id] = writer.bytes + [0x0A]
                report.redactedMemories += 1
                report.redactions += count
            }
        }
        return (edits, report)
    }
}

extension SecretGate {
    /// The findings in one memory as SQLite holds it (the gate's, `ai-mem scan`'s and
    /// the warnings' one way to look): each field scanned once, a summary made from
    /// the content not at all (its secrets are the content's).
    public static func findings(in text: MemoryText, scanner: SecretScanner = .standard) -> [MemorySecretFinding] {
        var found: [MemorySecretFinding] = []
        for field in MemoryTextField.allCases {
            let bytes = text.field(field)
            guard bytes.count > 0 else { continue }
            if field == .summary, SecretScanner.summaryRepeatsContent(bytes, text.field(.content)) { continue }
            guard !scanner.scan(bytes).isEmpty else { continue }
            let id = text.id, author = text.authorKeyID
            for f in scanner.findings(in: String(decoding: bytes, as: UTF8.self), field: field.name) {
                found.append(MemorySecretFinding(memoryID: id, authorKeyID: author, finding: f))
            }
        }
        return found
    }
}

/// Replacing a memory's secrets with their markers.
public enum Redaction {
    /// Redacts every text field of `o` (strings inside tags, metadata and assets
    /// too) and returns how many findings were replaced. The content hash follows
    /// the content; the embedding, made from the secret text, is dropped.
    @discardableResult
    public static func apply(_ scanner: SecretScanner, to o: inout Observation) -> Int {
        var count = 0
        func redact(_ s: String) -> String {
            let (text, matches) = scanner.redact(s)
            count += matches.count
            return text
        }
        func redact(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let s): return .string(redact(s))
            case .array(let a): return .array(a.map(redact))
            case .object(let object): return .object(JSONObject(object.members.map { JSONObject.Member(key: $0.key, value: redact($0.value)) }))
            default: return value
            }
        }
        o.title = o.title.map(redact)
        let derivedSummary = o.summary.map { SecretScanner.summaryRepeatsContent($0, o.content) } ?? false
        let content = redact(o.content)
        // A summary made from the content is made again from the redacted content.
        o.summary = derivedSummary ? ContentPreparation.summary(of: content) : o.summary.map(redact)
        o.diff = o.diff.map(redact)
        o.tags = o.tags.map(redact)
        o.metadata = JSONObject(o.metadata.members.map { JSONObject.Member(key: $0.key, value: redact($0.value)) })
        o.assets = o.assets.map(redact)
        if count > 0 {
            if content != o.content {
                o.content = content
                o.contentHash = ContentHash.of(content)
            }
            o.embedding = nil
        }
        return count
    }
}
