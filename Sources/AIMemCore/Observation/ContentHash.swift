

/// ai-mem's content hash: SHA-256, lowercase hex, of the UTF-8 content as stored.
public enum ContentHash {
    public static func of(_ content: String) -> String {
        SHA256.hexDigest(of: content)
    }

    /// True for 64 lowercase hex digits.
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
