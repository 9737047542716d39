import AIMemCore
import Foundation
import MemoryStore

/// ai-mem-bench: measures ai-mem as a user runs it (one process per command) on
/// a generated store. Run through scripts/bench.sh, which builds in release mode.
///
///     ai-mem-bench [--count N] [--runs R] [--queries Q] [--work DIR] [--ai-mem PATH] [--no-peer] [--no-minilm]
///     ai-mem-bench embed [--texts N]
///     ai-mem-bench queries N       (the search benchmark's queries, one per line)
///     ai-mem-bench embed-figures N (MiniLM: notes/s one per call, tokens per note, ms per short query, load ms)
struct Options {
    var count = 100_000
    var runs = 3
    var queries = 20
    var work: String? = nil
    var aiMem = ".build/release/ai-mem"
    var peer = true
    var keep = false
    var miniLM = true
    /// Files in the generated team folder (default: 2000 — 50 signers × 40 — or count / 50 when smaller).
    var syncFiles: Int? = nil

    init(_ arguments: [String]) throws {
        var it = arguments.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let v = it.next() else { throw BenchError("\(flag) needs a value") }
            return v
        }
        while let a = it.next() {
            switch a {
            case "--count": count = try Int(value(a)).flatMap { $0 > 0 ? $0 : nil } ?? { throw BenchError("--count must be a positive number") }()
            case "--runs": runs = try Int(value(a)).flatMap { $0 > 0 ? $0 : nil } ?? { throw BenchError("--runs must be a positive number") }()
            case "--queries": queries = try Int(value(a)).flatMap { $0 > 0 ? $0 : nil } ?? { throw BenchError("--queries must be a positive number") }()
            case "--work": work = try value(a)
            case "--ai-mem": aiMem = try value(a)
            case "--no-peer": peer = false
            case "--keep": keep = true
            case "--no-minilm": miniLM = false
            case "--sync-files": syncFiles = try Int(value(a)).flatMap { $0 >= 0 ? $0 : nil } ?? { throw BenchError("--sync-files must be 0 or more") }()
            default: throw BenchError("unknown argument \(a)")
            }
        }
    }
}

do {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.first == "embed" {
        try EmbedBench.run(Array(arguments.dropFirst()))
    } else if arguments.first == "embed-figures" {
        guard arguments.count == 2, let count = Int(arguments[1]), count > 0 else { throw BenchError("usage: ai-mem-bench embed-figures N") }
        print(try EmbedBench.figures(texts: count).line)
    } else if arguments.first == "queries" {
        guard arguments.count == 2, let count = Int(arguments[1]), count > 0 else { throw BenchError("usage: ai-mem-bench queries N") }
        var generator = DataGenerator(seed: Bench.querySeed)
        print(generator.queries(count).joined(separator: "\n"))
    } else if arguments.first == "generate" {
        // `ai-mem-bench generate N FILE`: run by the benchmark as a child process, so
        // that the driver stays small (a child's peak RSS as wait4 reports it starts
        // from its parent's, since the child begins as a copy of the parent).
        guard arguments.count == 3 || (arguments.count == 5 && arguments[3] == "--label-model"), let count = Int(arguments[1]), count > 0 else {
            throw BenchError("usage: ai-mem-bench generate N FILE [--label-model ID]")
        }
        try DataGenerator.write(count: count, to: arguments[2], modelLabel: arguments.count == 5 ? arguments[4] : nil) { FileHandle.standardError.write(Data("bench: \($0)\n".utf8)) }
    } else {
        let options = try Options(arguments)
        try Bench(options).run()
    }
} catch {
    FileHandle.standardError.write(Data("ai-mem-bench: error: \(error)\n".utf8))
    exit(1)
}
