import Foundation

/// The ai-mem home directory: `--home DIR`, else `$AI_MEM_HOME`, else `~/.ai-mem`.
public struct Home: Sendable, Equatable {
    public let url: URL

    public init(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let explicit, !explicit.isEmpty {
            url = URL(fileURLWithPath: explicit, isDirectory: true)
        } else if let env = environment["AI_MEM_HOME"], !env.isEmpty {
            url = URL(fileURLWithPath: env, isDirectory: true)
        } else {
            let base = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            url = URL(fileURLWithPath: base, isDirectory: true).appendingPathComponent(".ai-mem", isDirectory: true)
        }
    }

    public var path: String { url.path }
    public var databaseURL: URL { url.appendingPathComponent("memory.sqlite") }

    /// Creates the directory (mode 0700) when it does not exist yet.
    public func ensureExists() throws(IOError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw IOError(path: path, reason: "the ai-mem home exists and is not a directory", hint: "choose another home with --home or AI_MEM_HOME")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw IOError(path: path, reason: "cannot create the ai-mem home (\(error.localizedDescription))", hint: "check that its parent directory is writable, or choose another home with --home or AI_MEM_HOME")
        }
    }
}
