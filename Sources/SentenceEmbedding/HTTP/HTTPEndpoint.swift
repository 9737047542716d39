/// Where an OpenAI-compatible embeddings server listens: `http://HOST[:PORT][/PATH]`.
/// A URL without a path means `/v1/embeddings`; a path not ending in
/// `/embeddings` gets it appended (`http://host:8000/v1` → `/v1/embeddings`).
public struct HTTPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let path: String

    public init(parsing text: String) throws {
        func bad(_ reason: String) -> EmbeddingError {
            .configuration("cannot use \(text) as the embedding server: \(reason)",
                           hint: "give an http:// URL such as http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:8080 (llama.cpp)")
        }
        let lower = text.lowercased()
        if lower.hasPrefix("https://") {
            throw bad("https is not supported; run the server on this machine or a trusted network over http, or put a local TLS proxy in front of it")
        }
        guard lower.hasPrefix("http://") else { throw bad("it is not an http:// URL") }
        var rest = Substring(text.dropFirst("http://".count))
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
        var port = 80
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
        return "http://\(h):\(port)\(path)"
    }
}
