import Foundation
import TestFixtures
import Testing

/// Runs the built `ai-mem` executable as a user would, with its own home directory.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        /// Ended by a signal rather than by exiting (`status` is then the signal's number).
        var signaled = false
        var out: String { String(decoding: stdout, as: UTF8.self) }
        /// Ended by SIGKILL (`Running.kill`), not by exiting.
        var killed: Bool { signaled && status == SIGKILL }
        /// What the process had open when `kill` was sent (`/proc/PID/fd` targets).
        var openAtKill: [String] = []
        /// Its `/proc/PID/limits` then.
        var limitsAtKill = ""
    }

    let home: URL

    init() {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-e2e-\(UUID().uuidString)", isDirectory: true)
    }

    /// The ai-mem binary: $AI_MEM_BIN, else beside the test bundle in the build directory.
    static let executable: URL = {
        if let explicit = ProcessInfo.processInfo.environment["AI_MEM_BIN"] { return URL(fileURLWithPath: explicit) }
        var candidates: [URL] = []
        let selfExe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        candidates.append(selfExe.deletingLastPathComponent().appendingPathComponent("ai-mem"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("ai-mem"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("ai-mem"))
        candidates.append(Fixtures.repositoryRoot.appendingPathComponent(".build/debug/ai-mem"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }()

    /// Runs `ai-mem args…` with `--home` set through AI_MEM_HOME; stdin from `input` (empty when nil).
    @discardableResult
    func run(_ args: [String], input: Data? = nil, environment extra: [String: String] = [:], workingDirectory: URL? = nil) throws -> Result {
        let running = try start(args, input: input, environment: extra, workingDirectory: workingDirectory)
        return running.wait()
    }

    /// Runs and expects success, returning stdout.
    @discardableResult
    func ok(_ args: [String], input: Data? = nil, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let result = try run(args, input: input, environment: environment)
        #expect(result.status == 0, "ai-mem \(args.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    func path(_ name: String) -> String { home.appendingPathComponent(name).path }

    func cleanUp() { try? FileManager.default.removeItem(at: home) }
}

/// Parses JSON output with Foundation (independent of ai-mem's own JSON code).
func jsonObject(_ data: Data) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func jsonArray(_ data: Data) throws -> [[String: Any]] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
}

extension CLI {
    /// A running `ai-mem` whose output goes to files; for kill and concurrency tests.
    final class Running {
        let process: Process
        let stdoutURL: URL
        let stderrURL: URL
        let inputURL: URL

        init(process: Process, stdoutURL: URL, stderrURL: URL, inputURL: URL) {
            self.process = process
            self.stdoutURL = stdoutURL
            self.stderrURL = stderrURL
            self.inputURL = inputURL
        }

        private var openAtKill: [String] = []
        private var limitsAtKill = ""

        /// SIGKILL, noting first which files the process has open (an anonymous
        /// `O_TMPFILE` shows as `DIR/#inode (deleted)`).
        func kill() {
            let fdDirectory = "/proc/\(process.processIdentifier)/fd"
            openAtKill = ((try? FileManager.default.contentsOfDirectory(atPath: fdDirectory)) ?? []).compactMap {
                try? FileManager.default.destinationOfSymbolicLink(atPath: fdDirectory + "/" + $0)
            }
            limitsAtKill = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/limits", encoding: .utf8)) ?? ""
            Glibc.kill(process.processIdentifier, SIGKILL)
        }

        /// Waits for the exit and collects the output (the files are removed).
        func wait() -> Result {
            process.waitUntilExit()
            let result = Result(status: process.terminationStatus, stdout: (try? Data(contentsOf: stdoutURL)) ?? Data(),
                                stderr: String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self),
                                signaled: process.terminationReason == .uncaughtSignal, openAtKill: openAtKill,
                                limitsAtKill: limitsAtKill)
            for url in [stdoutURL, stderrURL, inputURL] { try? FileManager.default.removeItem(at: url) }
            return result
        }
    }

    /// Starts `ai-mem args…` without waiting for it; stdin from `input` (empty when nil),
    /// stdout and stderr to files in the home.
    func start(_ args: [String], input: Data? = nil, environment extra: [String: String] = [:], workingDirectory: URL? = nil) throws -> Running {
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let id = UUID().uuidString
        let inURL = home.appendingPathComponent(".in-\(id)")
        let out = home.appendingPathComponent(".out-\(id)"), err = home.appendingPathComponent(".err-\(id)")
        try (input ?? Data()).write(to: inURL)
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["AI_MEM_HOME"] = home.appendingPathComponent("store").path
        environment.removeValue(forKey: "AI_MEM_PASSPHRASE")
        // The lexical embedder unless a test asks otherwise (an empty value means
        // unset: the default choice): fast, and what these tests' expectations assume.
        environment["AI_MEM_EMBEDDER"] = "lexical"
        for (k, v) in extra { environment[k] = v }
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.standardInput = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return Running(process: process, stdoutURL: out, stderrURL: err, inputURL: inURL)
    }
}
