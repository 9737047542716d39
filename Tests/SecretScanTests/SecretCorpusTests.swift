import AIMemCore
import Foundation
import TestFixtures
import Testing
@testable import SecretScan

/// The labelled corpus (Fixtures/secrets/corpus.json, from generate_corpus.py):
/// recall per family at least 0.95 and false positives at most 1% of the negatives
/// (issue 17's targets). The table it prints is the README's.
struct SecretCorpusTests {
    @Test func recallPerFamilyAndFalsePositives() throws {
        guard case .object(let corpus) = try JSONParser.parse([UInt8](Fixtures.data("Fixtures/secrets/corpus.json"))) else {
            Issue.record("corpus.json is not an object")
            return
        }
        let positives = try #require(corpus["positives"]?.arrayValue), negatives = try #require(corpus["negatives"]?.arrayValue)
        let scanner = SecretScanner.standard
        var found: [String: (hit: Int, total: Int)] = [:]
        var order: [String] = []
        for p in positives {
            let entry = try #require(p.objectValue)
            let family = try #require(entry["family"]?.stringValue), rule = try #require(entry["rule"]?.stringValue)
            let text = try #require(entry["text"]?.stringValue), secret = try #require(entry["secret"]?.stringValue)
            // Found: a finding of the family's rule overlaps the secret (a webhook's
            // finding starts at its host, a URL's is its password).
            let bytes = Array(text.utf8), secretBytes = Array(secret.utf8)
            let at = try #require((0...(bytes.count - secretBytes.count)).first { bytes[$0..<($0 + secretBytes.count)].elementsEqual(secretBytes) })
            let hit = scanner.scan(text).contains { m in m.ruleID == rule && m.range.overlaps(at..<(at + secretBytes.count)) }
            if found[family] == nil { order.append(family) }
            found[family, default: (0, 0)].hit += hit ? 1 : 0
            found[family, default: (0, 0)].total += 1
            if !hit { print("missed (\(family)): \(text.prefix(120))") }
        }
        var falsePositives = 0
        for n in negatives {
            let entry = try #require(n.objectValue)
            let text = try #require(entry["text"]?.stringValue)
            let matches = scanner.scan(text)
            if !matches.isEmpty {
                falsePositives += 1
                print("false positive (\(entry["kind"]?.stringValue ?? "")): \(matches.map(\.ruleID)) in \(text.prefix(100))")
            }
        }
        print("| family | found | recall |")
        print("| --- | --- | --- |")
        for family in order {
            let f = found[family]!
            print(String(format: "| %@ | %d of %d | %.2f |", family, f.hit, f.total, Double(f.hit) / Double(f.total)))
            #expect(Double(f.hit) / Double(f.total) >= 0.95, "recall of \(family)")
        }
        print(String(format: "false positives: %d of %d negatives (%.2f%%)", falsePositives, negatives.count, 100 * Double(falsePositives) / Double(negatives.count)))
        #expect(order.count >= 25)
        #expect(negatives.count >= 400)
        #expect(Double(falsePositives) <= 0.01 * Double(negatives.count))
    }
}
