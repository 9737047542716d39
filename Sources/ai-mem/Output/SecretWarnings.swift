import AIMemCore
import MemoryStore
import SecretScan
import Vault

/// The warnings `add`, `edit`, `import` and `merge` print for secrets they stored:
/// one line per finding (the memory is stored: it is yours), then one hint.
enum SecretWarnings {
    static let shown = 20

    static func line(_ memoryID: String, _ f: SecretFinding) -> String {
        "\(memoryID) \(f.field):\(f.line):\(f.column) \(f.ruleID): \(f.excerpt) (\(f.description))"
    }

    /// Warns about the findings of one memory just written.
    static func warn(_ o: Observation) {
        let findings = SecretScanner.standard.findings(in: o)
        guard !findings.isEmpty else { return }
        for f in findings { Terminal.warning("stored a secret: " + line(o.id, f)) }
        hint(o.id)
    }

    /// Warns about secrets among the memories written since `generation`
    /// (an import, a sync): scans only those rows.
    static func warn(_ store: MemoryStore, writtenAfter generation: Int64) throws {
        var filter = ObservationFilter()
        filter.changedAfter = generation
        let found = try scan(store, filter)
        warn(found, total: found.count)
    }

    /// Warns about secrets found in what was stored: `found` lists the first ones, `total` counts them all.
    static func warn(_ found: [MemorySecretFinding], total: Int) {
        guard total > 0 else { return }
        for f in found.prefix(shown) { Terminal.warning("stored a secret: " + line(f.memoryID, f.finding)) }
        if total > shown { Terminal.warning("… and \(total - min(shown, found.count)) more secrets (`ai-mem scan` lists them all)") }
        hint(total == 1 ? found.first?.memoryID : nil)
    }

    /// The secrets several merges found in what they stored (`SnapshotReadReport.secrets`), warned about once.
    static func warn(_ reports: [SnapshotReadReport]) {
        warn(reports.flatMap(\.secrets), total: reports.reduce(0) { $0 + $1.secretCount })
    }

    private static func hint(_ id: String?) {
        Terminal.hint("it stays in your store; a snapshot to others refuses it unless --redact or --allow-secrets; `ai-mem redact \(id ?? "ID")` removes it for good")
    }

    /// Every finding in the memories `filter` selects, oldest memory first.
    static func scan(_ store: MemoryStore, _ filter: ObservationFilter) throws -> [MemorySecretFinding] {
        var found: [MemorySecretFinding] = []
        try store.forEachText(filter) { text in found += SecretGate.findings(in: text) }
        return found
    }

    static func json(_ f: MemorySecretFinding) -> JSONValue {
        .object(JSONObject([
            "id": .string(f.memoryID), "author_key_id": f.authorKeyID.map { .string($0) } ?? .null,
            "rule": .string(f.finding.ruleID), "family": .string(f.finding.family), "description": .string(f.finding.description),
            "field": .string(f.finding.field), "line": .int(f.finding.line), "column": .int(f.finding.column),
            "length": .int(f.finding.length), "excerpt": .string(f.finding.excerpt),
        ]))
    }
}
