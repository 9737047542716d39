import AIMemCore
/// Builds FTS5 MATCH expressions from free text. Only words (letters and digits)
/// are kept and each is quoted, so FTS5 syntax in a query (quotes, `-`, `*`, `:`,
/// parentheses, AND/OR/NOT/NEAR) is searched for as text and never errors.
enum KeywordQuery {
    static func words(_ query: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in query.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar.properties.generalCategory == .nonspacingMark {
                current.append(scalar)
            } else if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// Every word must match (FTS5 implicit AND).
    static func all(_ words: [String]) -> String {
        words.map(quote).joined(separator: " ")
    }

    /// Any word may match.
    static func any(_ words: [String]) -> String {
        words.map(quote).joined(separator: " OR ")
    }

    private static func quote(_ word: String) -> String {
        "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
