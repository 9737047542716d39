import AIMemCore
import Foundation
import MemoryStore

/// Writing to the terminal: data on stdout, diagnostics on stderr. Text lines pass
/// through `TerminalText.safe` (no control or invisible format characters reach the
/// terminal); fields that must stay on one line are escaped with
/// `TerminalText.oneLine` where they are formatted. JSON is written exactly.
enum Terminal {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((TerminalText.safe(text) + "\n").utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((TerminalText.safe(text) + "\n").utf8))
    }

    // Diagnostics are one line each: a name with a newline in a message cannot forge
    // another `ai-mem: …` line.
    static func error(_ message: String, hint: String?) {
        err("ai-mem: error: \(TerminalText.oneLine(message))")
        if let hint { err("ai-mem: hint: \(TerminalText.oneLine(hint))") }
    }

    static func warning(_ message: String) {
        err("ai-mem: warning: \(TerminalText.oneLine(message))")
    }

    static func hint(_ message: String) {
        err("ai-mem: hint: \(TerminalText.oneLine(message))")
    }

    static func notice(_ message: String) {
        err("ai-mem: notice: \(TerminalText.oneLine(message))")
    }

    /// JSON on stderr (when stdout carries data), exact like `json`.
    static func jsonToStandardError(_ value: JSONValue) {
        FileHandle.standardError.write(Data((JSONWriter.pretty(value) + "\n").utf8))
    }

    static func json(_ value: JSONValue) {
        FileHandle.standardOutput.write(Data((JSONWriter.pretty(value) + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }
}

/// A one-line progress indicator on stderr, shown only when stderr is a terminal.
final class ProgressLine {
    private let label: String
    private var total: Int?
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let enabled: Bool
    private var drawn = false

    init(_ label: String, total: Int? = nil) {
        self.label = label
        self.total = total
        enabled = Terminal.stderrIsTerminal
    }

    func update(_ done: Int, total: Int) {
        if self.total == nil { self.total = total }
        update(done)
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let rate = Double(done) / elapsed
        var line = "\(label): \(done)"
        if let total, total > 0 {
            line += "/\(total)"
            if rate > 0 { line += String(format: ", ETA %.0fs", Double(max(total - done, 0)) / rate) }
        }
        line += String(format: " (%.0f/s)", rate)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        drawn = true
    }

    /// Clears the line (again harmless), before printing results or an error.
    func finish() {
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }
}
