/// Lines of a small text file, split at each U+000A. Splitting Swift `String`s on
/// the `Character` "\n" would miss "\r\n", which Swift treats as one character: a
/// CRLF file would read as one long line. A line keeps its "\r", if any.
package enum TextLines {
    package static func split(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
    }
}
