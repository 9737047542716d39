import AIMemCore
import Foundation
@testable import MemoryStore
import SentenceEmbedding
import TestFixtures

/// A fresh, empty home directory per test; removed when the test ends.
final class TemporaryHome {
    let url: URL
    var home: Home { Home(explicit: url.path) }

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-test-\(UUID().uuidString)", isDirectory: true)
    }

    func store() throws -> MemoryStore { try MemoryStore(home: home, embedder: LexicalHashEmbedder()) }

    func file(_ name: String, contents: String) throws -> String {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let path = url.appendingPathComponent(name).path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Every row of the store as JSON with full embeddings, in id order: equal values mean equal stores.
func snapshotOfRows(_ store: MemoryStore) throws -> [String] {
    try store.list(limit: nil)
        .sorted { $0.id < $1.id }
        .map { JSONWriter.string(.object(ObservationCodec.encode($0, embedding: .full))) }
}

/// SHA-256 (hex) from coreutils' `sha256sum`: an implementation independent of
/// the project's, so the tests do not check the store's hash with the store's own code.
enum SHA256Hex {
    static func of(_ text: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        guard (try? process.run()) != nil else { return "sha256sum did not start" }
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let answer = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: answer.prefix(64), as: UTF8.self)
    }
}
