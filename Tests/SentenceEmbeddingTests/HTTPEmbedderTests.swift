import AIMemCore
import TestFixtures
import Foundation
import MemoryStore
import Testing
@testable import SentenceEmbedding

/// The OpenAI-compatible embedder against a local server (EmbeddingServerFixture).
struct HTTPEmbedderTests {
    func embedder(_ server: LocalEmbeddingServer, path: String = "", dimension: Int? = nil, apiKey: String? = nil) throws -> HTTPEmbedder {
        HTTPEmbedder(endpoint: try HTTPEndpoint(parsing: server.url + path), model: "test-model", dimension: dimension, apiKey: apiKey)
    }

    @Test func vectorsComeBackInOrderNormalisedAndEqualToTheServersModel() throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        let http = try embedder(server, apiKey: "sk-test")
        let texts = (0..<70).map { "note number \($0) about caching" }  // two requests: 64 + 6
        let vectors = try http.embed(texts)
        let reference = try LexicalHashEmbedder(dimension: 16).embed(texts)
        #expect(vectors.count == 70)
        for (v, r) in zip(vectors, reference) {
            #expect(v.count == 16)
            for (a, b) in zip(v, r) { #expect(abs(a - b) < 1e-5) }
        }
        let requests = server.requests
        #expect(requests.map(\.inputs.count) == [64, 6])
        #expect(requests.allSatisfy { $0.path == "/v1/embeddings" && $0.model == "test-model" })
        #expect(requests.first?.headers["authorization"] == "Bearer sk-test")
        #expect(http.dimension == 16)
    }

    @Test func theDimensionIsAskedOfTheServerWhenNotConfigured() throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        #expect(try embedder(server).dimension == 16)
        #expect(server.requests.count == 1)
        #expect(try embedder(server, dimension: 16).dimension == 16)
        #expect(server.requests.count == 1)
    }

    @Test func chunkedAnswersAreRead() throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        server.mode = .chunked
        let vectors = try embedder(server).embed(["alpha beta", "gamma"])
        #expect(vectors.count == 2 && vectors[0].count == 16)
    }

    @Test(arguments: [
        (LocalEmbeddingServer.Mode.status(500, #"{"error":{"message":"model not loaded"}}"#), "HTTP status 500: model not loaded"),
        (.status(404, "404 page not found"), "HTTP status 404: 404 page not found"),
        (.wrongCount, "1 vectors came back for 2 texts"),
        (.notANumber, "a vector holds a value that is not a finite number"),
        (.hangUp, "the server closed the connection without answering"),
    ])
    func badAnswersAreErrorsThatSayWhy(mode: LocalEmbeddingServer.Mode, expected: String) throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        server.mode = mode
        let http = try embedder(server, dimension: 16)
        let error = #expect(throws: EmbeddingError.self) { try http.embed(["one", "two"]) }
        #expect(error == .server(url: http.endpoint.description, reason: expected), "\(error?.message ?? "")")
        #expect(error?.hint?.contains("embedder.url") == true)
    }

    @Test func aWrongDimensionIsRefused() throws {
        let server = try LocalEmbeddingServer()
        defer { server.stop() }
        let http = try embedder(server, dimension: 384)
        #expect(throws: EmbeddingError.server(url: http.endpoint.description, reason: "the server returned 16-d vectors; 384 were expected (embedder.dimension)")) {
            try http.embed(["x"])
        }
    }

    @Test func nobodyListeningIsAConnectionError() throws {
        let server = try LocalEmbeddingServer()
        let url = server.url
        server.stop()
        let http = HTTPEmbedder(endpoint: try HTTPEndpoint(parsing: url), model: "m", dimension: 8)
        let error = #expect(throws: EmbeddingError.self) { try http.embed(["x"]) }
        #expect(error == .server(url: http.endpoint.description, reason: "cannot connect: Connection refused"), "\(error?.message ?? "")")
    }

    @Test func endpointsAreParsedAndBadOnesRefused() throws {
        #expect(try HTTPEndpoint(parsing: "http://127.0.0.1:11434").description == "http://127.0.0.1:11434/v1/embeddings")
        #expect(try HTTPEndpoint(parsing: "http://gpu-box:8000/v1/").description == "http://gpu-box:8000/v1/embeddings")
        #expect(try HTTPEndpoint(parsing: "http://[::1]:8080/api/embeddings").description == "http://[::1]:8080/api/embeddings")
        #expect(try HTTPEndpoint(parsing: "http://localhost").port == 80)
        let hosted = try HTTPEndpoint(parsing: "https://api.openai.com/v1")
        #expect(hosted.isTLS && hosted.port == 443 && hosted.description == "https://api.openai.com:443/v1/embeddings")
        #expect(try !HTTPEndpoint(parsing: "HTTP://gpu-box").isTLS)
        for (bad, reason) in [
            ("ftp://x", "it is not an http:// or https:// URL"),
            ("https://user:pw@host", "credentials in the URL are not supported; set AI_MEM_EMBED_API_KEY"),
            ("http://:80", "the host name is empty or not ASCII"),
            ("http://host:99999", "the port is not a number from 1 to 65535"),
            ("http://user:pw@host", "credentials in the URL are not supported; set AI_MEM_EMBED_API_KEY"),
            ("http://ho st", "the host name is empty or not ASCII"),
        ] {
            let refusal = EmbeddingError.configuration("cannot use \(bad) as the embedding server: \(reason)",
                                                       hint: "give a URL such as http://127.0.0.1:11434 (Ollama), http://127.0.0.1:8080 (llama.cpp) or https://api.openai.com/v1")
            #expect(throws: refusal, "\(bad)") { try HTTPEndpoint(parsing: bad) }
        }
    }

    @Test func responsesAreParsedWithLimits() throws {
        func fail(_ r: String) -> EmbeddingError { .server(url: "u", reason: r) }
        let ok = try HTTPClient.parse(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA".utf8), fail: fail)
        #expect(ok.status == 200 && ok.body == Array("hi".utf8))
        #expect(throws: fail("the response ended after 2 of 9 bytes")) {
            try HTTPClient.parse(Array("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhi".utf8), fail: fail)
        }
        #expect(throws: fail("the response does not start with an HTTP/1.x status line")) { try HTTPClient.parse(Array("SMTP ready\r\n\r\n".utf8), fail: fail) }
        #expect(throws: fail("a chunk size is not hexadecimal")) {
            try HTTPClient.parse(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8), fail: fail)
        }
        #expect(throws: fail("a chunk size is not hexadecimal")) {  // more than 8 hex digits
            try HTTPClient.parse(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffff\r\n".utf8), fail: fail)
        }
    }
}
