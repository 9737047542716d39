import Foundation

/// The Python of the independent references (Tests/Reference): the virtual
/// environment `scripts/setup-python.sh` makes (`$AI_MEM_VENV`, else
/// ~/.cache/ai-mem/venv), or `$AI_MEM_PYTHON`. The README's set-up and CI run that
/// script; `AI_MEM_SKIP_REFERENCE_TESTS=1` skips the tests that need it.
public enum ReferencePython {
    public static let skip = ProcessInfo.processInfo.environment["AI_MEM_SKIP_REFERENCE_TESTS"] == "1"

    public static var executable: String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["AI_MEM_PYTHON"], !explicit.isEmpty { return explicit }
        if let venv = environment["AI_MEM_VENV"], !venv.isEmpty { return venv + "/bin/python3" }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache")
        return cache + "/ai-mem/venv/bin/python3"
    }

    public struct Output {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs the reference Python with `arguments` in the repository root.
    public static func run(_ arguments: [String]) throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: executable,
                NSLocalizedDescriptionKey: "\(executable) is missing: run scripts/setup-python.sh (or set AI_MEM_SKIP_REFERENCE_TESTS=1)"])
        }
        // Output goes to files, so no pipe can fill up and block the process.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-reference-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout"), errURL = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = Fixtures.repositoryRoot
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
