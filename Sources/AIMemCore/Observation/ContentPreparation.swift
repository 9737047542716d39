/// How `add` turns raw input into stored content, as the Python ai-mem does.
public enum ContentPreparation {
    /// The summary is the content, or its first 500 characters followed by "..." when longer.
    public static let summaryLimit = 500

    /// Removes `<private>…</private>` blocks (never stored) and surrounding whitespace.
    public static func clean(_ raw: String) -> String {
        var text = raw
        while let open = text.range(of: "<private>") {
            if let close = text.range(of: "</private>", range: open.upperBound..<text.endIndex) {
                text.removeSubrange(open.lowerBound..<close.upperBound)
            } else {
                // An unclosed block hides everything after it: fail towards privacy.
                text.removeSubrange(open.lowerBound..<text.endIndex)
            }
        }
        return text.trimmingWhitespace()
    }

    public static func summary(of content: String) -> String {
        let scalars = content.unicodeScalars
        guard scalars.count > summaryLimit else { return content }
        let end = scalars.index(scalars.startIndex, offsetBy: summaryLimit)
        return String(scalars[scalars.startIndex..<end]) + "..."
    }
}

extension String {
    /// The string without leading and trailing Unicode whitespace and newlines.
    package func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
