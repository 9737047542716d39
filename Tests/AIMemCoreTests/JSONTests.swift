import Testing
@testable import AIMemCore

struct JSONTests {
    @Test func parsesNestedDocumentKeepingOrderAndNumberText() throws {
        let text = #"{"b": 1, "a": [true, false, null, 0.75, -3e-5, "x"], "n": {"ttl": 3600, "f": 1795577473.0346751}}"#
        let value = try JSONParser.parse(text)
        guard case .object(let o) = value else { Issue.record("not an object"); return }
        #expect(o.keys == ["b", "a", "n"])
        #expect(JSONWriter.string(value) == #"{"b":1,"a":[true,false,null,0.75,-3e-5,"x"],"n":{"ttl":3600,"f":1795577473.0346751}}"#)
    }

    @Test(arguments: [
        "Tabs\tand\r\nnewlines", "quote \" and backslash \\", "emoji 👨‍👩‍👧‍👦 🇯🇵 🏳️‍🌈", "日本語 한국어 العربية עברית",
        "control \u{01}\u{1F}\u{7F}", "slash / and \u{2028}",
    ])
    func stringsRoundTrip(_ s: String) throws {
        let text = JSONWriter.string(.string(s))
        #expect(try JSONParser.parse(text) == .string(s))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\u65e5\ud83d\ude00\n\/""#) == .string("日😀\n/"))
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "duplicate key"),
        (#""\ud800""#, "unpaired surrogate"),
        (#""\udc00x""#, "unpaired surrogate"),
        ("[1,]", "unexpected character"),
        ("01", "leading zero"),
        ("1.", "no digit after"),
        ("{} x", "unexpected data"),
        ("\"a\u{0A}b\"", "unescaped control"),
        ("nul", "invalid literal"),
        (#""\x""#, "invalid escape"),
        ("", "unexpected end"),
        ("[\"abc", "unterminated string"),
    ])
    func rejectsMalformedText(_ input: String, _ reason: String) {
        #expect {
            _ = try JSONParser.parse(input)
        } throws: { error in
            (error as? JSONSyntaxError)?.reason.contains(reason) == true
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { _ = try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONSyntaxError.self) { _ = try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }  // encoded surrogate
    }

    @Test func rejectsNestingBeyondTheLimit() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONSyntaxError.self) { _ = try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { _ = try JSONParser.parse(ok) }
    }

    @Test func reportsLineAndColumn() {
        do {
            _ = try JSONParser.parse("[\n1,\n  x]")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 3)
        }
    }

    @Test func manyKeysStillDetectDuplicates() {
        let members = (0..<20).map { "\"k\($0)\": \($0)" }.joined(separator: ",")
        #expect(throws: JSONSyntaxError.self) { _ = try JSONParser.parse("{\(members), \"k3\": 0}") }
        #expect(throws: Never.self) { _ = try JSONParser.parse("{\(members)}") }
    }

    @Test func doublesFormatAsShortestRoundTrip() {
        for d in [0.5, 1.0, 1795577473.0346751, 1e-05, 123456789.125, -0.75] {
            guard case .number(let text)? = JSONValue.double(d) else { Issue.record("no number"); continue }
            #expect(Double(text) == d)
        }
        #expect(JSONValue.double(.nan) == nil)
        #expect(JSONValue.double(.infinity) == nil)
    }
}
