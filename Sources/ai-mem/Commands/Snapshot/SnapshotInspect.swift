import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct SnapshotInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decrypt a snapshot and show who made it, when, for whom, and what it holds, without importing.",
        discussion: "The metadata shown is trustworthy only when the signer is you or trusted and the signature is valid."
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var passphraseOptions: PassphraseOptions

    @Argument(help: "The snapshot file; - reads standard input.")
    var file: String

    @Flag(help: "Print the metadata and checks as JSON.")
    var json = false

    func run() throws {
        let context = try SnapshotContext(home: homeOptions, passphrase: passphraseOptions)
        let r = try context.vault.inspect(InputSource(argument: file))
        let m = r.metadata
        let signature: String = r.signatureValid.map { $0 ? "valid" : "INVALID" } ?? "not checked (unknown signer)"
        if json {
            Terminal.json(.object(JSONObject([
                "snapshot_id": .string(m.snapshotID),
                "created_at": JSONValue.double(m.createdAt) ?? .null,
                "signer": SnapshotText.signerJSON(r.signer),
                "signer_public_key": .string(m.exporterPublicKey),
                "signature_valid": r.signatureValid.map(JSONValue.bool) ?? .null,
                "sequence": .number(String(m.sequence)),
                "count": .int(m.count),
                "records": .int(r.records),
                "payload": .int(m.payload),
                "tombstones": .int(m.tombstones),
                "redactions": .int(r.redactionMarkers),
                "recipients": .array(m.recipients.map { id in
                    .object(JSONObject(["key_id": .string(id), "name": r.recipientNames[id].map(JSONValue.string) ?? .null]))
                }),
                "addressed_to_you": .bool(r.addressedToReader),
                "filters": m.json["filters"] ?? .null,
                "embedding": m.json["embedding"] ?? .null,
            ])))
            return
        }
        let line = TerminalText.oneLine
        Terminal.out("snapshot:   \(line(m.snapshotID))")
        Terminal.out("created:    \(DateParsing.format(m.createdAt))")
        Terminal.out("signer:     \(SnapshotText.signerText(r.signer)), \(SnapshotText.trust(r.signer.trust))")
        if r.signer.trust == .untrusted { Terminal.out("            public key as claimed: \(line(m.exporterPublicKey))") }
        Terminal.out("signature:  \(signature)")
        Terminal.out("records:    \(m.count)\(r.records == m.count ? "" : " declared, \(r.records) present")")
        if m.payload >= 2 {
            Terminal.out("deletions:  \(m.tombstones)\(r.tombstones == m.tombstones ? "" : " declared, \(r.tombstones) present")")
        }
        Terminal.out("redactions: \(r.redactionMarkers)\(r.redactionMarkers > 0 ? " ([REDACTED:rule] markers in its records)" : "")")
        Terminal.out("payload:    \(m.payload)\(m.payload == 1 ? " (before authors and deletions travelled)" : "")")
        Terminal.out("recipients: " + m.recipients.map { id in r.recipientNames[id].map { "\(line($0)) (\(line(id)))" } ?? line(id) }.joined(separator: ", "))
        if !r.addressedToReader { Terminal.out("            your key \(r.readerKeyID) is NOT in the signed list: this copy was forwarded") }
        Terminal.out("filters:    \(line(SnapshotText.filtersText(m.filter)))")
        Terminal.out("embedding:  \(line(m.embeddingModel)) (\(m.embeddingDimension)-d)")
        Terminal.out("sequence:   \(m.sequence)")
    }
}
