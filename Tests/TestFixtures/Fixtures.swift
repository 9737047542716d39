import Foundation

/// The test suites' one way to reach files kept under `Tests/`: fixtures,
/// vectors and references, read from the source tree (nothing is copied into
/// bundles, so every suite sees the same bytes).
public enum Fixtures {
    /// The repository's `Tests/` directory.
    public static let testsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The repository's root directory.
    public static let repositoryRoot = testsDirectory.deletingLastPathComponent()

    /// The URL of `relativePath` under `Tests/`; the file must exist.
    public static func url(_ relativePath: String) throws -> URL {
        let url = testsDirectory.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        return url
    }

    /// The path of `relativePath` under `Tests/`; the file must exist.
    public static func path(_ relativePath: String) throws -> String { try url(relativePath).path }

    /// The bytes of `relativePath` under `Tests/`.
    public static func data(_ relativePath: String) throws -> Data { try Data(contentsOf: url(relativePath)) }

    /// One of the two files written by the Python ai-mem (`export.json`, `snapshot.jsonl`).
    public static func pythonAiMem(_ name: String) throws -> String { try path("Fixtures/python-ai-mem/" + name) }
}
