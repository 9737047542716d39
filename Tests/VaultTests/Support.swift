import AIMemCore
import Foundation
import MemoryStore
import SentenceEmbedding
import TestFixtures
@testable import Vault

enum Vectors {
    /// `Tests/Vectors`, read from the source tree.
    static let root = Fixtures.testsDirectory.appendingPathComponent("Vectors")

    static func url(_ path: String) throws -> URL {
        root.appendingPathComponent(path)
    }

    static func data(_ path: String) throws -> Data { try Data(contentsOf: url(path)) }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: data(path)) as! [String: Any]
    }
}

/// A fresh home directory per test.
final class TempHome {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-vault-\(UUID().uuidString)", isDirectory: true)
    var home: Home { Home(explicit: url.path) }
    var keys: KeyStore { KeyStore(home: home) }

    init() { try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }

    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

func passphrase(_ text: String) -> PassphraseSources {
    PassphraseSources(file: nil, environment: ["AI_MEM_PASSPHRASE": text], prompt: nil)
}
