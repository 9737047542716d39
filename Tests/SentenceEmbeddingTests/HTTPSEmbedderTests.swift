import Foundation
import Glibc
import SentenceEmbedding
import TestFixtures
import Testing

/// Issue 16, item 7: the HTTP embedder over TLS (libcurl), against a local HTTPS
/// server (Python's ssl module) with TEST-ONLY certificates from Tests/Fixtures/tls:
/// a server certificate of a test CA is accepted when that CA is given, and refused
/// by the system's store; a self-signed certificate is refused either way.
@Suite(.serialized)
struct HTTPSEmbedderTests {
    static let tls = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/tls")

    /// An HTTPS embeddings server with this certificate; stop it with `terminate()`.
    final class Server {
        let process = Process()
        let output = Pipe()
        let port: Int

        init(certificate: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", HTTPSEmbedderTests.tls.appendingPathComponent("embeddings_server.py").path,
                                 HTTPSEmbedderTests.tls.appendingPathComponent("TEST-ONLY-\(certificate).pem").path,
                                 HTTPSEmbedderTests.tls.appendingPathComponent("TEST-ONLY-\(certificate).key").path]
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            port = try #require(Int(try Self.line(output).trimmingCharacters(in: .whitespaces)), "the server printed no port")
        }

        static func line(_ pipe: Pipe) throws -> String {
            var bytes: [UInt8] = []
            while true {
                let chunk = pipe.fileHandleForReading.readData(ofLength: 1)
                if chunk.isEmpty || chunk[0] == 0x0A { break }
                bytes.append(chunk[0])
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// The next request's Authorization header, as the server logged it.
        func authorization() throws -> String { try Self.line(output) }

        deinit {
            // SIGKILL: the test runner's threads block SIGTERM, and a child inherits that mask.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func aCertificateOfTheGivenCAIsAcceptedAndTheKeyTravelsInTheHeader() throws {
        let server = try Server(certificate: "server")
        let endpoint = try HTTPEndpoint(parsing: "https://127.0.0.1:\(server.port)/v1", caFile: Self.tls.appendingPathComponent("TEST-ONLY-ca.pem").path)
        let embedder = HTTPEmbedder(endpoint: endpoint, model: "hosted", dimension: 4, apiKey: "sk-test-not-a-real-key")
        let vectors = try embedder.embed(["first", "second"])
        #expect(vectors.count == 2 && vectors.allSatisfy { zip($0, [0.2, 0.4, 0.4, 0.8] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 } }, "\(vectors)")
        #expect(try server.authorization() == "auth: Bearer sk-test-not-a-real-key")
    }

    @Test func theSystemStoreDoesNotTrustTheTestCA() throws {
        let server = try Server(certificate: "server")
        let embedder = HTTPEmbedder(endpoint: try HTTPEndpoint(parsing: "https://127.0.0.1:\(server.port)"), model: "hosted", dimension: 4)
        let error = #expect(throws: EmbeddingError.self) { try embedder.embed(["x"]) }
        #expect(error?.message.hasPrefix("https://127.0.0.1:\(server.port)/v1/embeddings: the server's certificate is not trusted (SSL certificate problem: ") == true,
                "\(error?.message ?? "")")
        #expect(error?.hint == "a server with a private CA: set AI_MEM_EMBED_CA_FILE to that CA's PEM file")
    }

    @Test func aSelfSignedCertificateIsRefusedEvenWithACAGiven() throws {
        let server = try Server(certificate: "self-signed")
        let endpoint = try HTTPEndpoint(parsing: "https://127.0.0.1:\(server.port)", caFile: Self.tls.appendingPathComponent("TEST-ONLY-ca.pem").path)
        let embedder = HTTPEmbedder(endpoint: endpoint, model: "hosted", dimension: 4, apiKey: "sk-test-not-a-real-key")
        let error = #expect(throws: EmbeddingError.self) { try embedder.embed(["x"]) }
        #expect(error?.message.contains("the server's certificate is not trusted (SSL certificate problem: self-signed certificate") == true, "\(error?.message ?? "")")
    }

    @Test func plainHTTPToATLSPortFailsAndHTTPSToNothingIsAConnectionError() throws {
        let server = try Server(certificate: "server")
        let plain = HTTPEmbedder(endpoint: try HTTPEndpoint(parsing: "http://127.0.0.1:\(server.port)"), model: "m", dimension: 4, timeout: 5)
        #expect(throws: EmbeddingError.self) { try plain.embed(["x"]) }
        let port = try Loopback.freePort()
        let nothing = HTTPEmbedder(endpoint: try HTTPEndpoint(parsing: "https://127.0.0.1:\(port)"), model: "m", dimension: 4, timeout: 5)
        let error = #expect(throws: EmbeddingError.self) { try nothing.embed(["x"]) }
        guard case .server(let url, _)? = error else { Issue.record("not a server error: \(String(describing: error))"); return }
        #expect(url == "https://127.0.0.1:\(port)/v1/embeddings")
    }
}
