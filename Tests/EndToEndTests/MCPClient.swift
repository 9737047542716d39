import Foundation
import Glibc
import Testing

/// A raw JSON-RPC client of `ai-mem mcp` for tests: it starts the server on pipes,
/// writes lines exactly as given (so tests can send what no SDK would) and reads
/// one line per message with a deadline, so a server that hangs fails the test.
final class MCPClient {
    let process = Process()
    private let toServer = Pipe()
    private let fromServer = Pipe()
    let stderrURL: URL
    private var buffer: [UInt8] = []
    private var nextID = 1

    init(_ cli: CLI, environment extra: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(at: cli.home, withIntermediateDirectories: true)
        stderrURL = cli.home.appendingPathComponent(".mcp-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = CLI.executable
        process.arguments = ["mcp"]
        var environment = ProcessInfo.processInfo.environment
        environment["AI_MEM_HOME"] = cli.home.appendingPathComponent("store").path
        environment["AI_MEM_EMBEDDER"] = "lexical"
        for (k, v) in extra { environment[k] = v }
        process.environment = environment
        process.standardInput = toServer
        process.standardOutput = fromServer
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        signal(SIGPIPE, SIG_IGN)
        try process.run()
    }

    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Writes `line` and a newline.
    func send(_ line: String) throws { try sendBytes(Data((line + "\n").utf8)) }

    func sendBytes(_ data: Data) throws { try toServer.fileHandleForWriting.write(contentsOf: data) }

    /// Closes the client's end of the server's output: the server's next write fails.
    func stopReading() { try? fromServer.fileHandleForReading.close() }

    /// Closes the server's input (what a client does to end the session).
    func closeInput() throws { try toServer.fileHandleForWriting.close() }

    /// The next line the server wrote, parsed; nil at its end of output. Fails after `timeout` seconds.
    func receive(timeout: Double = 30) throws -> [String: Any]? {
        let fd = fromServer.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                let value = try JSONSerialization.jsonObject(with: Data(line))
                return try #require(value as? [String: Any], "not a JSON object: \(String(decoding: line, as: UTF8.self))")
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw MCPTimeout(stderr: stderr) }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(min(remaining, 1) * 1000)) >= 0 else { continue }
            if p.revents == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffer += chunk[..<n]
        }
    }

    struct MCPTimeout: Error, CustomStringConvertible {
        var stderr: String
        var description: String { "the server did not answer in time; its stderr: \(stderr)" }
    }

    /// Sends a request and returns the response with its id.
    @discardableResult
    func request(_ method: String, _ params: [String: Any]? = nil) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["jsonrpc": "2.0", "id": id, "method": method]
        if let params { message["params"] = params }
        try send(String(decoding: try JSONSerialization.data(withJSONObject: message), as: UTF8.self))
        let response = try #require(try receive(), "no answer to \(method)")
        #expect(response["id"] as? Int == id)
        return response
    }

    /// initialize (a 2025-11-25 client) and notifications/initialized.
    func initialize() throws {
        let r = try request("initialize", ["protocolVersion": "2025-11-25", "capabilities": [:] as [String: Any], "clientInfo": ["name": "test", "version": "1"]])
        #expect((r["result"] as? [String: Any])?["protocolVersion"] as? String == "2025-11-25")
        try send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
    }

    /// tools/call; returns the result (content, structuredContent, isError).
    func call(_ tool: String, _ arguments: [String: Any]) throws -> [String: Any] {
        let r = try request("tools/call", ["name": tool, "arguments": arguments])
        return try #require(r["result"] as? [String: Any], "tools/call \(tool): \(r)")
    }

    /// The structured result of a successful call.
    func ok(_ tool: String, _ arguments: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let result = try call(tool, arguments)
        #expect(result["isError"] as? Bool == false, "\(tool): \(result)", sourceLocation: sourceLocation)
        return (result["structuredContent"] as? [String: Any]) ?? [:]
    }

    /// Waits for the server to exit; its status, or nil after `timeout` seconds.
    func waitForExit(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// CPU time the server has used (user + system), in clock ticks.
    func cpuTicks() throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)
        let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
        return Int(fields[11])! + Int(fields[12])!  // utime, stime (fields 14 and 15 of stat)
    }

    /// The server's peak resident set (VmHWM), in kB.
    func peakRSSKilobytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])!
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: stderrURL)
    }
}
