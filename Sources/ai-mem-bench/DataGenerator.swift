import AIMemCore
import Foundation
import MemoryStore
import SentenceEmbedding

/// A deterministic source of realistic observations for the benchmark: coding
/// notes of mixed length (a few words to several kilobytes), tags, metadata, a
/// little non-ASCII text, and the lexical embedding of each (384 floats).
///
/// Words follow Zipf's law (exponent 1) over a vocabulary of about 20 000 terms —
/// 330 technical words plus identifiers built from them (`retryTimeout`,
/// `cache_key`, `parser.swift`, `E1042`, `v2.14`) — as natural text and code notes
/// do. Queries draw their terms the same way but skip the 50 most frequent
/// terms, which behave as the corpus's stop words.
struct DataGenerator {
    private var random: SplitMix64
    private let embedder = LexicalHashEmbedder()
    /// The model id written with the vectors (default: the lexical embedder's).
    var modelLabel: String? = nil
    private let start = 1_704_067_200.0  // 2024-01-01T00:00:00Z
    /// Seconds between two notes' creation times, for a store of `totalCount` notes.
    var totalCount = 100_000
    private var spacing: Double { min(311.0, 63_072_000.0 / Double(max(totalCount, 1))) }
    private var vocabulary: [String] { Self.ranked.terms }
    /// Cumulative Zipf weights of `vocabulary` (rank 1 first).
    private var cumulative: [Double] { Self.ranked.cumulative }

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    /// The vocabulary, most frequent first, and its cumulative Zipf weights: the same for every seed.
    static let ranked: (terms: [String], cumulative: [Double]) = {
        var vocabularyRandom = SplitMix64(seed: 0x0ddba11)
        var terms = Self.words
        let base = Self.words
        for i in 0..<12_000 {
            let a = base[vocabularyRandom.next(base.count)], b = base[vocabularyRandom.next(base.count)]
            terms.append(i % 2 == 0 ? a + b.prefix(1).uppercased() + b.dropFirst() : a + "_" + b)
        }
        let exts = ["swift", "py", "ts", "go", "rs", "sql", "yaml", "md"]
        for _ in 0..<1_500 {
            terms.append(base[vocabularyRandom.next(base.count)] + "." + exts[vocabularyRandom.next(exts.count)])
        }
        for _ in 0..<4_000 { terms.append("E\(1000 + vocabularyRandom.next(9000))") }
        for _ in 0..<2_000 { terms.append("v\(vocabularyRandom.next(10)).\(vocabularyRandom.next(40))") }
        // A fixed shuffle decides which terms are common.
        for i in stride(from: terms.count - 1, to: 0, by: -1) { terms.swapAt(i, vocabularyRandom.next(i + 1)) }
        var sum = 0.0
        let cumulative = (1...terms.count).map { rank in
            sum += 1 / Double(rank)
            return sum
        }
        return (terms, cumulative)
    }()

    /// A vocabulary term drawn by Zipf's law (from rank `minimumRank` on).
    mutating func term(minimumRank: Int = 0) -> String {
        let floor = minimumRank == 0 ? 0 : cumulative[minimumRank - 1]
        let u = floor + Double(random.next() >> 11) / Double(1 << 53) * (cumulative[cumulative.count - 1] - floor)
        var low = minimumRank, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < u { low = mid + 1 } else { high = mid }
        }
        return vocabulary[low]
    }

    static let words: [String] = """
        cache invalidation migration schema index query planner transaction deadlock retry timeout backoff \
        pagination cursor offset limit token session cookie header middleware router handler endpoint \
        request response payload serializer parser encoder decoder buffer stream chunk socket connection \
        pool thread worker queue scheduler cron job batch pipeline build compiler linker flag warning error \
        exception panic crash stack trace log logger metric histogram counter gauge alert dashboard latency \
        throughput memory leak allocation garbage collector heap pointer reference ownership borrow lifetime \
        async await future promise callback closure actor mutex lock semaphore channel select poll epoll \
        kernel syscall file descriptor permission owner group mount volume container image registry deploy \
        rollout rollback canary feature toggle config environment secret vault key certificate rotation \
        signature hash checksum digest encryption nonce cipher plaintext ciphertext authentication password \
        user account role permission policy audit event webhook retry idempotent duplicate conflict merge \
        branch commit rebase cherry pick tag release version semver changelog dependency package lockfile \
        test fixture mock stub assertion coverage flaky snapshot golden benchmark profile flamegraph \
        postgres sqlite redis kafka nginx docker kubernetes terraform ansible github gitlab jenkins swift \
        python rust golang typescript javascript react vue django flask rails spring gradle maven cargo \
        function method class struct enum protocol interface trait generic type inference optional nil \
        null undefined boundary overflow underflow rounding precision float integer string unicode utf8 \
        encoding locale timezone timestamp date duration interval calendar daylight saving offset utc
        """.split(separator: " ").map(String.init)
    static let glue = ["the", "a", "to", "of", "in", "for", "when", "after", "because", "with", "and", "but", "so", "not", "on", "is", "was", "we", "it"]
    static let extras = ["café", "naïve", "Zürich", "日本語のテスト", "ошибка", "🚀", "👩‍💻", "✓", "→", "\"quoted\"", "C:\\path\\file", "tab\there"]
    static let types = ["note", "decision", "bugfix", "discovery", "fact", "todo", "feature", "refactor"]
    static let tagWords = ["db", "perf", "security", "api", "ui", "infra", "bug", "test", "docs", "release", "auth", "cache"]

    mutating func sentence(words count: Int) -> String {
        var parts: [String] = []
        parts.reserveCapacity(count)
        for i in 0..<count {
            let roll = random.next(100)
            if roll < 30 {
                parts.append(Self.glue[random.next(Self.glue.count)])
            } else if roll == 99 {
                parts.append(Self.extras[random.next(Self.extras.count)])
            } else {
                parts.append(term())
            }
            if i == 0 { parts[0] = parts[0].prefix(1).uppercased() + parts[0].dropFirst() }
        }
        return parts.joined(separator: " ") + "."
    }

    /// Content of mixed length: 35% short, 50% medium, 15% long (about 700 bytes on
    /// average; with its summary, metadata and embedding a record is about 3.5 KB).
    mutating func content() -> String {
        let roll = random.next(100)
        let words = roll < 35 ? 8 + random.next(33) : roll < 85 ? 40 + random.next(100) : 140 + random.next(250)
        var text = ""
        var left = words
        while left > 0 {
            let n = min(left, 8 + random.next(14))
            if !text.isEmpty { text += random.next(6) == 0 ? "\n" : " " }
            text += sentence(words: n)
            left -= n
        }
        return text
    }

    mutating func hexID(_ bytes: Int) -> String {
        var s = ""
        for _ in 0..<bytes { s += String(format: "%02x", random.next(256)) }
        return s
    }

    /// The `index`-th observation (call in order: the generator is sequential).
    mutating func observation(_ index: Int) throws -> Observation {
        let u = hexID(16)
        let id = "\(u.prefix(8))-\(u.dropFirst(8).prefix(4))-4\(u.dropFirst(13).prefix(3))-a\(u.dropFirst(17).prefix(3))-\(u.suffix(12))"
        let content = self.content()
        var tags: [String] = []
        for _ in 0..<random.next(5) {
            let t = Self.tagWords[random.next(Self.tagWords.count)]
            if !tags.contains(t) { tags.append(t) }
        }
        var metadata = JSONObject()
        metadata.append("source", .string("bench"))
        metadata.append("file", .string("src/\(Self.words[random.next(Self.words.count)])/\(Self.words[random.next(Self.words.count)]).swift"))
        metadata.append("line", .int(1 + random.next(2000)))
        if random.next(3) == 0 { metadata.append("branch", .string("feature/\(Self.words[random.next(Self.words.count)])")) }
        // One note every 311 s (100 000 span 2024); larger stores closer together, so that
        // every time stays within 2024–2025 and never after the machine's clock (which
        // the time bounds of docs/FORMAT.md §4.7 would refuse: a million at 311 s would reach 2033).
        let created = start + Double(index) * spacing + Double(random.next(300))
        var observation = Observation(
            id: id, sessionID: random.next(4) == 0 ? nil : "session-\(index / 40)", project: "/work/project-\(random.next(12))",
            type: Self.types[random.next(Self.types.count)], concept: random.next(3) == 0 ? Self.words[random.next(Self.words.count)] : nil,
            title: sentence(words: 4 + random.next(6)), content: content, summary: ContentPreparation.summary(of: content),
            createdAt: created, updatedAt: created + (random.next(5) == 0 ? Double(random.next(86_400)) : 0),
            importanceScore: Double(random.next(101)) / 100, tags: tags, metadata: metadata)
        observation.embedding = Embedding(model: modelLabel ?? embedder.modelID, vector: try embedder.embed([observation.searchableText])[0])
        return observation
    }

    /// Queries of two or three terms drawn like the text's words, as a user would type them.
    mutating func queries(_ count: Int) -> [String] {
        (0..<count).map { _ in
            (0..<(2 + random.next(2))).map { _ in term(minimumRank: 50) }.joined(separator: " ")
        }
    }
}

extension DataGenerator {
    /// Writes `count` observations as NDJSON, generated on every core in blocks of
    /// 1 000 (each block from its own seed: the output does not depend on threads).
    /// `modelLabel`: the model id written with the (lexical) vectors instead of the lexical embedder's.
    static func write(count: Int, to path: String, modelLabel: String? = nil, log: (String) -> Void) throws {
        let sink = try FileSink(path: path)
        let blockSize = 1_000
        let blocks = (count + blockSize - 1) / blockSize
        let wave = 16
        var firstBlock = 0
        while firstBlock < blocks {
            let waveBlocks = min(wave, blocks - firstBlock)
            nonisolated(unsafe) let outputs = UnsafeMutableBufferPointer<[UInt8]>.allocate(capacity: waveBlocks)
            outputs.initialize(repeating: [])
            defer { outputs.deinitialize(); outputs.deallocate() }
            let start = firstBlock
            DispatchQueue.concurrentPerform(iterations: waveBlocks) { i in
                let block = start + i
                var generator = DataGenerator(seed: 0xA1_3E3_BE4C &+ UInt64(block) &* 0x9E37_79B9)
                generator.modelLabel = modelLabel
                generator.totalCount = count
                var writer = JSONWriter(reservingCapacity: blockSize * 4096)
                for index in (block * blockSize)..<min(count, (block + 1) * blockSize) {
                    writer.write(ObservationCodec.encode(try! generator.observation(index), embedding: .full))
                    writer.append(0x0A)
                }
                outputs[i] = writer.bytes
            }
            for i in 0..<waveBlocks { try sink.write(outputs[i]) }
            firstBlock += waveBlocks
            log("  \(min(count, firstBlock * blockSize)) generated")
        }
        try sink.close()
    }

}

/// SplitMix64: small, fast and reproducible.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<bound.
    mutating func next(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
