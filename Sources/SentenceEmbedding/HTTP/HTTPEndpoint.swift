/// Where an OpenAI-compatible embeddings server listens: `http://HOST[:PORT][/PATH]`,
/// or `https://…` (TLS through libcurl, the certificate verified against the system's
/// store or `caFile`). A URL without a path means `/v1/embeddings`; a path not ending in
/// `/embeddings` gets it appended (`http://host:8000/v1` → `/v1/embeddings`).
public struct HTTPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let path: String
    /// https: TLS, certificate verified.
    public let isTLS: Bool
    /// A PEM bundle to trust instead of the system's certificate store (`AI_MEM_EMBED_CA_FILE`).
    public var caFile: String?

    public init(parsing text: String, caFile: String? = nil) throws {
        func bad(_ reason: String) -> EmbeddingError {
            .configuration("cannot use \(text) as the embedding server: \(reason)",
                           hint: "give a URL such as http://127.0.0.1:11434 (Ollama), http://127.0.0.1:8080 (llama.cpp) or https://api.openai.com/v1")
        }
        let lower = text.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https://" : "http://"
        guard lower.hasPrefix(scheme) else { throw bad("it is not an http:// or https:// URL") }
        isTLS = scheme == "https://"
        self.caFile = caFile
        var rest = Substring(text.dropFirst(scheme.count))
        if let q = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<q] }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        var path = String(rest[slash...])
        guard !authority.contains("@") else { throw bad("credentials in the URL are not supported; set AI_MEM_EMBED_API_KEY") }
        var host: Substring
        var portText: Substring? = nil
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw bad("an IPv6 address lacks its closing bracket") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw bad("unexpected text after the IPv6 address") }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty, host.utf8.count <= 253, host.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { throw bad("the host name is empty or not ASCII") }
        var port = isTLS ? 443 : 80
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw bad("the port is not a number from 1 to 65535") }
            port = p
        }
        guard path.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { throw bad("the path has spaces or non-ASCII characters") }
        if path.hasSuffix("/") { path.removeLast() }
        if path.isEmpty { path = "/v1" }
        if !path.hasSuffix("/embeddings") { path += "/embeddings" }
        self.host = String(host)
        self.port = port
        self.path = path
    }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(isTLS ? "https" : "http")://\(h):\(port)\(path)"
    }
}
