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
        let r = try Subprocess.run(executable, arguments, directory: Fixtures.repositoryRoot.path)
        return Output(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }
}
