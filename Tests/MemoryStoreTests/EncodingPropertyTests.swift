import Foundation
import PropertyBased
import Testing
@testable import AIMemCore
@testable import MemoryStore

/// Property-based tests of the NDJSON encoding: whatever an observation holds,
/// writing it as a JSON line and reading it back strictly gives it back exactly.
struct EncodingPropertyTests {
    /// Any Unicode text: scalars from the whole range (surrogates excluded), controls included.
    static let text = Gen<UInt32>.value(in: 0...0x10FFFF).array(of: 0...24)
        .map { String(String.UnicodeScalarView($0.compactMap(Unicode.Scalar.init))) }
    static let nonEmptyText = text.map { $0.isEmpty ? "x" : $0 }
    static let finite = Gen<Double>.value(in: -1e15...1e15)
    static let vector = Gen<Float>.value(in: -1...1).array(of: 1...16)

    static func observation(_ strings: [String], _ numbers: [Double], _ floats: [Float]) -> Observation {
        func s(_ i: Int) -> String { strings[i % strings.count] }
        var metadata = JSONObject()
        for (i, key) in Set(strings).enumerated().prefix(4) {
            metadata.append(key, i % 2 == 0 ? .string(s(i + 3)) : .object(JSONObject(["n": JSONValue.double(numbers[i % numbers.count])!, "a": .array([.null, .bool(true)])])))
        }
        return Observation(
            id: s(0),
            sessionID: s(1).isEmpty ? nil : s(1), project: s(2), type: s(3).isEmpty ? "note" : s(3), concept: s(4).isEmpty ? nil : s(4),
            title: s(5).isEmpty ? nil : s(5), content: s(6).isEmpty ? "c" : s(6), summary: s(7), contentHash: ContentHash.of(s(6)),
            createdAt: numbers[0], updatedAt: numbers[1 % numbers.count], importanceScore: numbers[2 % numbers.count],
            tags: strings, metadata: metadata, diff: s(8).isEmpty ? nil : s(8), assets: [.string(s(9))],
            embedding: Embedding(model: "m-\(floats.count)", vector: floats))
    }

    @Test func observationsRoundTripThroughStrictNDJSON() async {
        await propertyCheck(count: 300, input: Self.nonEmptyText.array(of: 1...12), Self.finite.array(of: 3...3), Self.vector) { strings, numbers, floats in
            var o = Self.observation(strings, numbers, floats)
            if o.id.utf8.count > 200 || o.id.isEmpty || o.id.utf8.contains(0) { o.id = "fallback-id" }  // ids: 1–200 bytes, no U+0000
            var writer = JSONWriter()
            writer.write(ObservationCodec.encode(o, embedding: .full))
            #expect(!writer.bytes.contains(0x0A), "a record line must not contain a raw newline")
            let back = (try? JSONParser.parse(writer.bytes)).flatMap { try? StrictRecord.decode($0, expected: nil) }
            #expect(back == o)
            #expect(back?.embedding?.vector.map(\.bitPattern) == o.embedding?.vector.map(\.bitPattern))
        }
    }

    @Test func anyStringRoundTripsThroughTheJSONWriterAndParser() async {
        await propertyCheck(count: 500, input: Self.text) { s in
            let encoded = JSONWriter.string(.string(s))
            #expect((try? JSONParser.parse(encoded)) == .string(s))
            #expect(!encoded.utf8.contains(where: { $0 < 0x20 }), "control characters must be escaped")
        }
    }

    @Test func finiteDoublesKeepTheirExactValue() async {
        await propertyCheck(count: 500, input: Gen<Double>.value(in: -1e300...1e300)) { d in
            guard case .number(let text)? = JSONValue.double(d) else { Issue.record("no text for \(d)"); return }
            #expect(Double(text) == d)
        }
    }

    @Test func theParserNeverCrashesOnArbitraryBytes() async {
        await propertyCheck(count: 500, input: Gen<UInt8>.value(in: 0...255).array(of: 0...64)) { bytes in
            _ = try? JSONParser.parse(bytes)
        }
    }
}
