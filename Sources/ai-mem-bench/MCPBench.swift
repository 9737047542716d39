import AIMemCore
import Foundation

/// `ai-mem mcp` as an assistant uses it (issue 16, item 2): one server process that
/// stays up, a JSON-RPC client on its stdin/stdout, and the round trip of each
/// `tools/call` timed from the request's first byte written to the answer's last byte read.
struct MCPFigures {
    var searchMS: [Double] = []
    var addMS: [Double] = []
    /// The server's CPU time over 2 s of idling after the calls (ms).
    var idleCPUMS = 0.0
}

final class MCPBenchClient {
    let process = Process()
    private let input = Pipe(), output = Pipe()
    private var buffer: [UInt8] = []
    private var id = 0

    init(aiMem: String, home: String, embedder: String) throws {
        process.executableURL = URL(fileURLWithPath: aiMem)
        process.arguments = ["mcp", "--home", home]
        process.environment = ProcessInfo.processInfo.environment.merging(["AI_MEM_EMBEDDER": embedder]) { $1 }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = try call("initialize", #"{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"ai-mem-bench","version":"1"}}"#)
        try input.fileHandleForWriting.write(contentsOf: Data(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8 + [0x0A]))
    }

    /// Sends one request; returns its answer's text and the round trip in seconds.
    func call(_ method: String, _ params: String) throws -> (answer: String, seconds: Double) {
        id += 1
        let line = Data(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#.utf8 + [0x0A])
        let start = DispatchTime.now().uptimeNanoseconds
        try input.fileHandleForWriting.write(contentsOf: line)
        let fd = output.fileHandleForReading.fileDescriptor
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let answer = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                guard answer.contains(#""id":\#(id)"#), !answer.contains(#""isError":true"#), !answer.contains(#""error":"#) else {
                    throw BenchError("ai-mem mcp: \(method) failed: \(answer.prefix(300))")
                }
                return (answer, seconds)
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(fd, &chunk, chunk.count)
            guard n > 0 else { throw BenchError("ai-mem mcp closed its output") }
            buffer += chunk[..<n]
        }
    }

    func tool(_ name: String, _ arguments: [String: JSONValue]) throws -> Double {
        let params = JSONWriter.string(.object(JSONObject(["name": .string(name), "arguments": .object(JSONObject(arguments.map { .init(key: $0.key, value: $0.value) }))])))
        return try call("tools/call", params).seconds
    }

    /// User + system CPU time of the server so far (ms).
    func cpuMS() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.range(of: ")") else { return 0 }
        let fields = stat[close.upperBound...].split(separator: " ")
        return Double((Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)) * 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func finish() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

extension Bench {
    /// Hybrid searches and adds through one `ai-mem mcp` over the store in `home`.
    func measureMCP(home: String, embedder: String, queries: [String]) throws -> MCPFigures {
        var figures = MCPFigures()
        let client = try MCPBenchClient(aiMem: aiMem, home: home, embedder: embedder)
        defer { client.finish() }
        _ = try client.tool("memory_search", ["query": .string("warm up " + queries[0]), "limit": .int(10)])
        for q in queries { figures.searchMS.append(try client.tool("memory_search", ["query": .string(q), "limit": .int(10)]) * 1000) }
        for (i, q) in queries.enumerated() {
            let content = "Added through MCP \(i): \(q) — the fix was to pin the version and rerun the migration"
            figures.addMS.append(try client.tool("memory_add", ["content": .string(content), "project": .string("bench")]) * 1000)
        }
        let before = client.cpuMS()
        Thread.sleep(forTimeInterval: 2)
        figures.idleCPUMS = client.cpuMS() - before
        return figures
    }
}
