import AIMemCore
import Foundation
import MemoryStore
import SentenceEmbedding

/// `ai-mem-bench embed [--texts N] [--dump FILE]`: texts per second of the local MiniLM
/// embedder on generated notes, one text per call (as `add` and a search query
/// do) and in batches (as `reindex` and a merge without vectors do).
enum EmbedBench {
    /// What the main benchmark reports of the model (its last line's `embed_notes_per_s`, `query_embed_ms`).
    struct Figures {
        var notesPerSecond: Double
        var tokensPerNote: Double
        var queryMS: Double
        var loadMS: Double

        init(notesPerSecond: Double, tokensPerNote: Double, queryMS: Double, loadMS: Double) {
            (self.notesPerSecond, self.tokensPerNote, self.queryMS, self.loadMS) = (notesPerSecond, tokensPerNote, queryMS, loadMS)
        }

        /// `ai-mem-bench embed-figures N`'s line: the four numbers, space-separated.
        var line: String { String(format: "%.3f %.1f %.4f %.2f", notesPerSecond, tokensPerNote, queryMS, loadMS) }

        init?(line: String) {
            let v = line.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
            guard v.count == 4 else { return nil }
            self.init(notesPerSecond: v[0], tokensPerNote: v[1], queryMS: v[2], loadMS: v[3])
        }
    }

    /// Notes one per call (as `add` does) and short queries (as a search does), in this process.
    static func figures(texts count: Int) throws -> Figures {
        let loadStart = Date()
        let embedder = try MiniLMEmbedder()
        let load = Date().timeIntervalSince(loadStart)
        var generator = DataGenerator(seed: 7)
        let texts = try (0..<count).map { try generator.observation($0).searchableText }
        let tokens = texts.reduce(0) { $0 + embedder.tokenizer.encode($1).count }
        let queries = generator.queries(count)
        _ = try embedder.embed([texts[0]])  // pages in the weights
        let queryStart = Date()
        for q in queries { _ = try embedder.embed([q]) }
        let querySeconds = Date().timeIntervalSince(queryStart)
        let notesStart = Date()
        for t in texts { _ = try embedder.embed([t]) }
        let notesSeconds = Date().timeIntervalSince(notesStart)
        return Figures(notesPerSecond: Double(count) / notesSeconds, tokensPerNote: Double(tokens) / Double(count),
                       queryMS: querySeconds * 1000 / Double(count), loadMS: load * 1000)
    }

    static func run(_ arguments: [String]) throws {
        var count = 512
        var dump: String? = nil
        var it = arguments.makeIterator()
        while let a = it.next() {
            if a == "--dump", let path = it.next() {
                dump = path
                continue
            }
            guard a == "--texts", let v = it.next(), let n = Int(v), n > 0 else { throw BenchError("usage: ai-mem-bench embed [--texts N] [--dump FILE]") }
            count = n
        }
        let vocabularyStart = Date()
        _ = try Vocabulary(contentsOf: ModelFiles.located().directory.appendingPathComponent("vocab.txt"))
        let vocabularyLoad = Date().timeIntervalSince(vocabularyStart)
        let loadStart = Date()
        let embedder = try MiniLMEmbedder()
        let load = Date().timeIntervalSince(loadStart)
        let firstStart = Date()
        _ = try embedder.embed(["first query"])
        let first = Date().timeIntervalSince(firstStart)
        var generator = DataGenerator(seed: 7)
        let texts = try (0..<count).map { try generator.observation($0).searchableText }
        let tokens = texts.reduce(0) { $0 + embedder.tokenizer.encode($1).count }
        let queries = generator.queries(count)
        if let dump {
            // The same texts as JSON, to time another implementation on them.
            var writer = JSONWriter()
            writer.write(.object(JSONObject([
                JSONObject.Member(key: "notes", value: .array(texts.map { .string($0) })),
                JSONObject.Member(key: "queries", value: .array(queries.map { .string($0) })),
            ])))
            try Data(writer.bytes).write(to: URL(fileURLWithPath: dump))
        }

        _ = try embedder.embed([texts[0]])  // warm up (page in the weights)
        func measure(_ label: String, _ body: () throws -> Void) rethrows -> Double {
            let start = Date()
            try body()
            return Date().timeIntervalSince(start)
        }
        let shortSingle = try measure("queries") { for q in queries { _ = try embedder.embed([q]) } }
        let single = try measure("single") { for t in texts { _ = try embedder.embed([t]) } }
        var rows: [(String, Double)] = [
            ("single query (\(queries.count) short queries, one per call)", Double(queries.count) / shortSingle),
            ("single note (\(count) notes, one per call)", Double(count) / single),
        ]
        for batch in [8, 32, 128] {
            let seconds = try measure("batch") {
                for start in stride(from: 0, to: texts.count, by: batch) {
                    _ = try embedder.embed(Array(texts[start..<min(start + batch, texts.count)]))
                }
            }
            rows.append(("batches of \(batch) notes", Double(count) / seconds))
        }
        print(String(format: "model load %.1f ms (of which the vocabulary %.1f ms); first short query %.1f ms (pages in the weights)",
                     load * 1000, vocabularyLoad * 1000, first * 1000))
        print(String(format: "%d notes, %.1f tokens per note on average (limit 256)", count, Double(tokens) / Double(count)))
        for (label, rate) in rows { print(label.padding(toLength: 56, withPad: " ", startingAt: 0) + String(format: "%8.1f texts/s", rate)) }
    }
}
