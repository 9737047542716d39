import Foundation
import Testing

/// Long operations show progress (records done, rate, ETA) on stderr when it is a
/// terminal, and stay quiet when it is not.
struct ProgressTests {
    /// 1 500 records as NDJSON (progress is reported every 1 000 records).
    static func records() -> Data {
        var text = ""
        for i in 0..<1_500 {
            text += #"{"id":"progress-\#(i)","project":"/p","content":"progress test record \#(i)","created_at":\#(1_700_000_000 + i)}"# + "\n"
        }
        return Data(text.utf8)
    }

    @Test func progressOnATerminalOnlyForImportExportAndReindex() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let input = cli.home.deletingLastPathComponent().appendingPathComponent("progress-\(UUID().uuidString).ndjson")
        defer { try? FileManager.default.removeItem(at: input) }
        try Self.records().write(to: input)

        // Not a terminal: nothing but the result.
        let quiet = try cli.run(["import", input.path])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("importing") && !quiet.stderr.contains("\r"))
        let quietExport = try cli.run(["export", cli.path("quiet.ndjson")])
        #expect(!quietExport.stderr.contains("exporting:"))

        // A terminal (util-linux `script` gives the command a pseudo-terminal).
        let script = "/usr/bin/script"
        try #require(FileManager.default.isExecutableFile(atPath: script), "util-linux script is needed")
        let (status, text) = try Self.onTerminal(script, "\(CLI.executable.path) export \(cli.path("tty.ndjson")) --home \(cli.home.appendingPathComponent("store").path)")
        #expect(status == 0, "\(text)")
        #expect(text.contains("exporting: 1000/1500"), "\(text)")
        #expect(text.contains("ETA") && text.contains("/s)"), "\(text)")
        #expect(text.contains("exported 1500 observations"), "\(text)")

        // reindex: progress on a terminal, the report alone otherwise.
        let quietReindex = try cli.run(["reindex", "--all"])
        #expect(quietReindex.status == 0 && !quietReindex.stderr.contains("re-embedding"), "\(quietReindex.stderr)")
        let (reindexStatus, reindexText) = try Self.onTerminal(
            script, "AI_MEM_EMBEDDER=lexical \(CLI.executable.path) reindex --all --home \(cli.home.appendingPathComponent("store").path)")
        #expect(reindexStatus == 0, "\(reindexText)")
        #expect(reindexText.contains("re-embedding: ") && reindexText.contains("/1500"), "\(reindexText)")
        #expect(reindexText.contains("re-embedded 1500 observations"), "\(reindexText)")
    }

    /// Runs a shell command on a pseudo-terminal (util-linux `script`): its exit status and everything it printed.
    static func onTerminal(_ script: String, _ command: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = ["-qec", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
