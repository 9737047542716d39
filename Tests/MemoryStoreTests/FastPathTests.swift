import AIMemCore
import Foundation
import PropertyBased
import Testing
@testable import MemoryStore

/// The export and merge hot paths must give exactly what the reference code gives:
/// `RecordLineEncoder` the bytes of `ObservationCodec.encode`, and
/// `CanonicalRecordReader` the result of `JSONParser` + `StrictRecord.decode`.
struct FastPathTests {
    static func line(_ o: Observation) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(ObservationCodec.encode(o, embedding: .full))
        return writer.bytes
    }

    static func slow(_ line: [UInt8], expected: (model: String, dim: Int)? = nil) -> Observation? {
        (try? JSONParser.parse(line)).flatMap { try? StrictRecord.decode($0, expected: expected) }
    }

    static func fast(_ line: [UInt8], expected: (model: String, dim: Int)? = nil) -> Observation? {
        line.withUnsafeBytes { CanonicalRecordReader.read($0, expected: expected) }
    }

    static func hasUnicodeEscape(_ line: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < line.count {
            if line[i] == 0x5C {
                if line[i + 1] == UInt8(ascii: "u") { return true }
                i += 2
            } else {
                i += 1
            }
        }
        return false
    }

    static func varied(_ strings: [String], _ numbers: [Double], _ floats: [Float]) -> Observation {
        var o = EncodingPropertyTests.observation(strings, numbers, floats)
        // Ids are 1–200 bytes without U+0000 (docs/FORMAT.md §4.2).
        if o.id.utf8.count > 200 || o.id.isEmpty || o.id.utf8.contains(0) { o.id = "fallback-id" }
        return o
    }

    @Test func canonicalLinesTakeTheFastPathWithTheSameResult() async {
        await propertyCheck(count: 300, input: EncodingPropertyTests.nonEmptyText.array(of: 1...12), EncodingPropertyTests.finite.array(of: 3...3),
                            EncodingPropertyTests.vector) { strings, numbers, floats in
            let o = Self.varied(strings, numbers, floats)
            let line = Self.line(o)
            let fast = Self.fast(line)
            let slow = Self.slow(line)
            #expect(slow == o)
            // Only control characters other than \n \t \r \b \f (written as \u00XX) leave the fast path.
            let needsUnicodeEscape = Self.hasUnicodeEscape(line)
            if !needsUnicodeEscape { #expect(fast != nil) }
            if let fast {
                #expect(fast == slow)
                #expect(fast.embedding?.vector.map(\.bitPattern) == o.embedding?.vector.map(\.bitPattern))
            }
        }
    }

    /// Any single-byte change: the fast path accepts only what the slow path accepts, with the same result.
    @Test func theFastPathNeverAcceptsWhatTheStrictReaderRefuses() async {
        var o = Observation(id: "id-1", sessionID: "s", project: "/p", type: "note", concept: nil, title: "Tïtle \"q\"",
                            content: "line one\nline two\ttab \\ back", summary: "sum", createdAt: 1_700_000_000.25, importanceScore: 0.5,
                            tags: ["a", "b"], metadata: JSONObject(["k": .array([.int(1), .null, .object(JSONObject(["x": .bool(true)]))])]),
                            assets: [.string("f.png")])
        o.embedding = Embedding(model: "m", vector: [0.25, -1, 3.5])
        let base = Self.line(o)
        #expect(Self.fast(base) == o)
        let replacements: [UInt8] = [0x00, 0x0A, 0x20, 0x22, 0x2C, 0x2D, 0x30, 0x31, 0x3A, 0x41, 0x5B, 0x5C, 0x5D, 0x65, 0x6E, 0x7B, 0x7D, 0x80, 0xC3, 0xFF]
        var accepted = 0
        for i in base.indices {
            for r in replacements where r != base[i] {
                var line = base
                line[i] = r
                guard let fast = Self.fast(line) else { continue }
                accepted += 1
                #expect(Self.slow(line) == fast, "byte \(i) -> \(r)")
            }
            var shorter = base
            shorter.remove(at: i)
            if let fast = Self.fast(shorter) { #expect(Self.slow(shorter) == fast, "byte \(i) removed") }
        }
        #expect(accepted > 0, "some changes (a digit, a letter in a string) are still valid records")
    }

    @Test func nestingDepthLimitIsTheSameOnBothPaths() {
        for depth in [60, 62, 63, 64, 65] {
            var nested = JSONValue.null
            for _ in 0..<depth { nested = .array([nested]) }
            let o = Observation(id: "d", project: "/p", content: "c", createdAt: 1, metadata: JSONObject(["deep": nested]))
            let line = Self.line(o)
            #expect((Self.fast(line) != nil) == (Self.slow(line) != nil), "depth \(depth)")
            if let fast = Self.fast(line) { #expect(fast == Self.slow(line)) }
        }
    }

    @Test func theDeclaredEmbeddingDimensionIsCheckedOnBothPaths() {
        var o = Observation(id: "e", project: "/p", content: "c", createdAt: 1)
        o.embedding = Embedding(model: "m", vector: [1, 0])
        let line = Self.line(o)
        #expect(Self.fast(line, expected: ("m", 3)) == nil)
        #expect(Self.slow(line, expected: ("m", 3)) == nil)
        #expect(Self.fast(line, expected: ("m", 2)) == o)
        #expect(Self.fast(line, expected: ("other", 3)) == o)
    }

    /// The eight-bytes-at-a-time test never misses a byte that needs escaping.
    @Test func wordEscapeTestHasNoFalseNegatives() {
        func special(_ b: UInt8) -> Bool { b == 0x22 || b == 0x5C || b < 0x20 }
        for position in 0..<8 {
            for value in 0...255 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[position] = UInt8(value)
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                #expect(JSONWriter.needsEscape(word) == special(UInt8(value)), "byte \(value) at \(position)")
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            if bytes.contains(where: special) { #expect(JSONWriter.needsEscape(word)) }
        }
    }

    /// Rows written by the store come out of `withRecordLines` exactly as `ObservationCodec` writes them.
    @Test func storedRowsEncodeToTheReferenceBytes() async throws {
        let home = TemporaryHome()
        defer { try? FileManager.default.removeItem(at: home.url) }
        let store = try home.store()
        var ndjson: [UInt8] = []
        let samples = ["plain", "tab\there", "quote \" and \\ backslash", "new\nline\r\n", "\u{01}\u{1F}\u{7F}", "café 日本語 🚀 👩‍💻",
                       "\u{2028}\u{2029}", "/slash/", "{\"json\": [1]}", "x"]
        for i in 0..<60 {
            let strings = (0..<10).map { samples[($0 * 7 + i) % samples.count] }
            var o = Self.varied(strings, [1_700_000_000 + Double(i) * 1.5, 1_700_000_002, 0.25], (0..<(i % 5 + 1)).map { Float($0) / 3 })
            o.id = "row-\(i)"
            if i % 7 == 0 { o.embedding = nil }
            ndjson += Self.line(o) + [0x0A]
        }
        let report = try store.importObservations(from: .bytes(ndjson), options: ImportOptions(defaultProject: "/d"))
        #expect(report.imported == 60)
        let reference = try store.withObservations(ObservationFilter()) { _, next in
            var out: [UInt8] = []
            while let o = try next() { out += Self.line(o) + [0x0A] }
            return out
        }
        let fast = try store.withRecordLines(ObservationFilter()) { lines in
            var out: [UInt8] = []
            // Small blocks: every line boundary is a block boundary somewhere.
            let written = try lines.write(inBlocksOf: 1000) { out += $0 }
            #expect(lines.count == 60 && written == 60)
            return out
        }
        #expect(fast == reference)
    }
}
