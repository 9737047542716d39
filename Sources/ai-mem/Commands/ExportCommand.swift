import AIMemCore
import ArgumentParser
import MemoryStore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write observations as plain, UNENCRYPTED NDJSON (ai-mem's snapshot shape).",
        discussion: "To share or back up memory safely, use `ai-mem snapshot export`, which encrypts and signs."
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var filterOptions: FilterOptions

    @Argument(help: "The output file; - writes to standard output.")
    var file: String

    @Flag(help: "Print the report (count, bytes) as JSON on standard output (not with -).")
    var json = false

    func validate() throws {
        if json && file == "-" {
            throw ValidationError("--json cannot be combined with output to standard output")
        }
    }

    func run() throws {
        let store = try homeOptions.openStore()
        let filter = try filterOptions.filter()
        let destination = OutputDestination(argument: file)
        Terminal.warning("the export is not encrypted: anyone who can read \(destination.displayName) can read these memories")
        let progress = ProgressLine("exporting")
        defer { progress.finish() }
        let report = try destination.write { sink in
            try store.exportPlain(to: sink, filter: filter, progress: { done, total in progress.update(done, total: total) })
        }
        progress.finish()
        if json {
            Terminal.json(.object(JSONObject(["count": .int(report.count), "bytes": .int(report.bytes), "file": .string(file)])))
        } else {
            Terminal.err("exported \(report.count) observations (\(report.bytes) bytes) to \(destination.displayName)")
        }
    }
}
