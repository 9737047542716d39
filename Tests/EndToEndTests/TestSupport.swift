import Foundation
import Testing

/// A person in a multi-home test: their own home with an unprotected identity.
struct Person {
    let name: String
    let cli: CLI
    let line: String
    let keyID: String

    /// A new home and identity named `name`.
    static func make(_ name: String) throws -> Person {
        let cli = CLI()
        let o = try jsonObject(cli.ok(["keys", "generate", "--name", name, "--no-passphrase", "--json"]).stdout)
        return Person(name: name, cli: cli, line: o["public_key"] as! String, keyID: o["key_id"] as! String)
    }
}

extension CLI {
    /// A new home holding copies of `files` (`identity.key`, `keyring.txt`, …) from `other`'s:
    /// the same person on a new machine — or a thief with a copy of the key file.
    static func copying(_ files: [String], from other: CLI) throws -> CLI {
        let cli = CLI()
        let store = cli.home.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in files {
            try FileManager.default.copyItem(atPath: other.path("store/\(name)"), toPath: store.appendingPathComponent(name).path)
        }
        return cli
    }
}

/// Runs another program (git, python3, ai-mem-bench) to its end; its output goes
/// through temporary files, so neither stream can fill up and block it.
enum Subprocess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("subprocess-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
