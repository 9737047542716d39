import AIMemCore
import Curl
import Foundation

/// Embeddings from an OpenAI-compatible server (`POST /v1/embeddings`, as served
/// by Ollama, llama.cpp's server and vLLM, or a hosted API over HTTPS through libcurl). Texts go in requests of at most
/// `textsPerRequest`; the answer is checked (one finite vector per text, all of
/// one dimension) and each vector is L2-normalised. The model name is the model
/// id stored with the vectors.
public final class HTTPEmbedder: Embedder, Sendable {
    public static let textsPerRequest = 64
    /// Every request is a round trip to a server: imports leave the vectors to a reindex.
    public var embedsSlowly: Bool { true }
    public let endpoint: HTTPEndpoint
    public let modelID: String
    /// Seconds allowed for connecting and for each read and write.
    public let timeout: Double
    private let apiKey: String?
    private let knownDimension: Locked<Int?>

    public init(endpoint: HTTPEndpoint, model: String, dimension: Int? = nil, apiKey: String? = nil, timeout: Double = 60) {
        self.endpoint = endpoint
        self.timeout = timeout
        modelID = model
        knownDimension = Locked(dimension)
        self.apiKey = apiKey
    }

    /// The configured dimension, else the server's (asked once with a short text); 0 when the server cannot be asked.
    public var dimension: Int {
        if let d = knownDimension.withLock({ $0 }) { return d }
        do {
            let probe = try request(["dimension probe"])
            return knownDimension.withLock { known in
                if known == nil { known = probe[0].count }
                return known!
            }
        } catch {
            // `embed` will ask again and report the error.
            return 0
        }
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: Self.textsPerRequest) {
            vectors += try request(Array(texts[start..<min(start + Self.textsPerRequest, texts.count)]))
        }
        guard let first = vectors.first else { return [] }
        let expected = knownDimension.withLock { known in
            if known == nil { known = first.count }
            return known!
        }
        if let wrong = vectors.first(where: { $0.count != expected }) {
            throw EmbeddingError.server(url: endpoint.description, reason: "the server returned \(wrong.count)-d vectors; \(expected) were expected (embedder.dimension)")
        }
        return vectors
    }

    /// One request: the texts' vectors in order, normalised.
    func request(_ texts: [String]) throws -> [[Float]] {
        func fail(_ reason: String) -> EmbeddingError { .server(url: endpoint.description, reason: reason) }
        var body = JSONWriter()
        body.write(.object(JSONObject([
            JSONObject.Member(key: "model", value: .string(modelID)),
            JSONObject.Member(key: "input", value: .array(texts.map { .string($0) })),
            JSONObject.Member(key: "encoding_format", value: .string("float")),
        ])))
        var headers: [(String, String)] = []
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let response: HTTPClient.Response
        if endpoint.isTLS {
            do {
                let r = try HTTPSClient.post(url: endpoint.description, body: body.bytes, headers: headers, timeout: timeout,
                                             caFile: endpoint.caFile, maxBodyBytes: HTTPClient.maxBodyBytes)
                response = HTTPClient.Response(status: r.status, body: r.body)
            } catch {
                switch error.kind {
                case .certificate:
                    throw EmbeddingError.configuration("\(endpoint.description): the server's certificate is not trusted (\(error.message))",
                                                       hint: "a server with a private CA: set AI_MEM_EMBED_CA_FILE to that CA's PEM file")
                case .timeout: throw fail("no answer within \(Int(timeout)) s")
                case .unavailable:
                    throw EmbeddingError.configuration("https:// needs libcurl, which cannot be loaded (\(error.message))",
                                                       hint: "install it (Debian: apt-get install libcurl4), or use an http:// server")
                default: throw fail(error.message)
                }
            }
        } else {
            response = try HTTPClient.post(endpoint, body: body.bytes, headers: headers, timeout: timeout)
        }
        let json = try? JSONParser.parse(response.body)
        guard response.status == 200 else {
            var detail = ""
            if case .object(let o)? = json {
                detail = o["error"]?.objectValue?["message"]?.stringValue ?? o["error"]?.stringValue ?? o["detail"]?.stringValue ?? ""
            }
            if detail.isEmpty { detail = String(decoding: response.body.prefix(200), as: UTF8.self) }
            let printable = String(detail.unicodeScalars.filter { !$0.properties.generalCategory.isControl }.prefix(200).map(Character.init))
            throw fail("HTTP status \(response.status)" + (printable.isEmpty ? "" : ": \(printable)"))
        }
        guard case .object(let object)? = json, let data = object["data"]?.arrayValue else {
            throw fail("the answer is not JSON with a \"data\" array")
        }
        guard data.count == texts.count else { throw fail("\(data.count) vectors came back for \(texts.count) texts") }
        var result = [[Float]?](repeating: nil, count: texts.count)
        for (position, item) in data.enumerated() {
            guard let entry = item.objectValue, let values = entry["embedding"]?.arrayValue else {
                throw fail("data[\(position)] has no \"embedding\" array")
            }
            let index = entry["index"]?.doubleValue.flatMap { Int(exactly: $0) } ?? position
            guard result.indices.contains(index), result[index] == nil else { throw fail("data[\(position)] has a missing or repeated index") }
            guard (1...Embedding.maxDimension).contains(values.count) else {
                throw fail("a vector has \(values.count) values (1 to \(Embedding.maxDimension) are accepted)")
            }
            var vector = [Float]()
            vector.reserveCapacity(values.count)
            var norm = 0.0
            for value in values {
                guard let d = value.doubleValue, d.isFinite, abs(d) <= 1e30 else { throw fail("a vector holds a value that is not a finite number") }
                vector.append(Float(d))
                norm += d * d
            }
            guard norm > 0 else { throw fail("a vector is all zeros") }
            let scale = Float(1 / norm.squareRoot())
            result[index] = vector.map { $0 * scale }
        }
        let vectors = result.map { $0! }
        guard vectors.allSatisfy({ $0.count == vectors[0].count }) else { throw fail("the vectors have different dimensions") }
        return vectors
    }
}

private extension Unicode.GeneralCategory {
    var isControl: Bool { self == .control || self == .format }
}
