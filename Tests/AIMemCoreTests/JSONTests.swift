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

    /// Each with the reason and the column (1-based, in bytes) the parser reports.
    @Test(arguments: [
        (#"{"a":1,"a":2}"#, JSONSyntaxError(reason: #"duplicate key "a""#, line: 1, column: 8)),
        (#""\ud800""#, JSONSyntaxError(reason: #"unpaired surrogate in \u escape"#, line: 1, column: 8)),
        (#""\udc00x""#, JSONSyntaxError(reason: #"unpaired surrogate in \u escape"#, line: 1, column: 8)),
        ("[1,]", JSONSyntaxError(reason: "unexpected character", line: 1, column: 4)),
        ("01", JSONSyntaxError(reason: "invalid number: leading zero", line: 1, column: 2)),
        ("1.", JSONSyntaxError(reason: "invalid number: no digit after '.'", line: 1, column: 3)),
        ("{} x", JSONSyntaxError(reason: "unexpected data after the JSON value", line: 1, column: 4)),
        ("\"a\u{0A}b\"", JSONSyntaxError(reason: "unescaped control character in a string", line: 1, column: 3)),
        ("nul", JSONSyntaxError(reason: "invalid literal", line: 1, column: 1)),
        (#""\x""#, JSONSyntaxError(reason: "invalid escape sequence", line: 1, column: 4)),
        ("", JSONSyntaxError(reason: "unexpected end of input", line: 1, column: 1)),
        ("[\"abc", JSONSyntaxError(reason: "unterminated string", line: 1, column: 2)),
    ])
    func rejectsMalformedText(_ input: String, _ expected: JSONSyntaxError) {
        #expect(throws: expected) { _ = try JSONParser.parse(input) }
    }

    @Test func rejectsInvalidUTF8() {
        let invalid = JSONSyntaxError(reason: "invalid UTF-8 in a string", line: 1, column: 1)  // at the string's opening quote
        #expect(throws: invalid) { _ = try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: invalid) { _ = try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }  // encoded surrogate
    }

    @Test func rejectsNestingBeyondTheLimit() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONSyntaxError(reason: "nesting deeper than 64 levels", line: 1, column: 65)) { _ = try JSONParser.parse(deep) }
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
        // The second "k3" comes after "{", the 20 members (179 bytes) and ", ": column 183.
        #expect(throws: JSONSyntaxError(reason: #"duplicate key "k3""#, line: 1, column: 183)) { _ = try JSONParser.parse("{\(members), \"k3\": 0}") }
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
