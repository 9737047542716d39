import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import observations from the Python ai-mem (export or snapshot files) or from `ai-mem export`.",
        discussion: """
            Reads a JSON array, a JSON object with "observations", or NDJSON with or without \
            {"snapshot": …} header lines. Ids are kept; records whose id is already present are \
            skipped, so importing the same file twice changes nothing. A syntax error anywhere \
            rejects the whole file and leaves the store unchanged.
            """
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "The file to import; - reads standard input.")
    var file: String

    @Option(help: "Put every imported observation in this project.")
    var project: String?

    @OptionGroup var vectorOptions: VectorOptions

    @Flag(help: "Print the import report as JSON.")
    var json = false

    func run() throws {
        let store = try homeOptions.openStore(announcing: true)
        // What it stores is scanned for secrets beside the import, and named after it.
        let secretScan = StoredSecretScan()
        let progress = ProgressLine("importing")
        defer { progress.finish() }
        let report = try store.importObservations(
            from: InputSource(argument: file),
            options: ImportOptions(projectOverride: project, defaultProject: Defaults.project),
            progress: { done, announced in announced > 0 ? progress.update(done, total: announced) : progress.update(done) },
            stored: { record, columns in secretScan.add(record, author: record.author, columns: columns) })
        progress.finish()
        let secrets = try secretScan.finish()
        defer { SecretWarnings.warn(secrets.findings, total: secrets.count) }
        for skip in report.skipped { Terminal.warning("\(skip.location): skipped: \(skip.reason)") }
        if report.skippedCount > report.skipped.count {
            Terminal.warning("… and \(report.skippedCount - report.skipped.count) more skipped records")
        }
        if report.reembedded > 0 {
            Terminal.warning("\(report.reembedded) record(s) carried an unusable embedding; it was recomputed")
        }
        if report.foreignEmbeddings > 0 {
            Terminal.warning("\(report.foreignEmbeddings) record(s) carry embeddings of another model; they are kept but not used by semantic search with \(store.embedder.modelID)")
        }
        if let announced = report.announcedCount, announced != report.read {
            Terminal.warning("the file's header announces \(announced) records but \(report.read) were read")
        }
        let vectors = try vectorOptions.followUp(waiting: report.withoutVectors > 0 ? try store.memoriesWithoutEmbedding() : 0,
                                                 store: store, home: homeOptions.resolved)
        if json {
            Terminal.json(.object(JSONObject([
                "read": .int(report.read),
                "imported": .int(report.imported),
                "already_present": .int(report.alreadyPresent),
                "deleted_here": .int(report.deletedHere),
                "duplicates_in_input": .int(report.duplicatesInInput),
                "skipped": .array(report.skipped.map { .object(JSONObject(["location": .string($0.location), "reason": .string($0.reason)])) }),
                "skipped_count": .int(report.skippedCount),
                "foreign_embeddings": .int(report.foreignEmbeddings),
                "reembedded": .int(report.reembedded),
                "without_vectors": .int(report.withoutVectors),
                "vectors": vectors,
            ])))
        } else {
            var parts = ["\(report.alreadyPresent) already present"]
            if report.deletedHere > 0 { parts.append("\(report.deletedHere) deleted here (kept deleted)") }
            if report.duplicatesInInput > 0 { parts.append("\(report.duplicatesInInput) duplicate(s) in the file") }
            parts.append("\(report.skippedCount) skipped")
            Terminal.out("imported \(report.imported) of \(report.read) records (\(parts.joined(separator: ", ")))")
        }
    }
}
