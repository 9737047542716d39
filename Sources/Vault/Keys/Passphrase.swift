import AIMemCore
import Foundation
import Sodium

/// Where a passphrase comes from, in this order: a file (`--passphrase-file`),
/// the environment (`AI_MEM_PASSPHRASE`), then an interactive prompt when the
/// caller has a terminal. No source and no terminal is an error, never a hang.
public struct PassphraseSources: Sendable {
    /// Asks the user (without echo); given only when standard input is a terminal.
    public typealias Prompt = @Sendable (_ message: String) throws -> String

    public var file: String?
    public var environment: [String: String]
    public var variable: String
    public var prompt: Prompt?

    public static let maximumFileBytes = 4096

    public init(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                variable: String = "AI_MEM_PASSPHRASE", prompt: Prompt?) {
        self.file = file
        self.environment = environment
        self.variable = variable
        self.prompt = prompt
    }

    /// The passphrase, from the first source that has one. With `confirm`, a
    /// prompted passphrase is asked twice.
    public func obtain(purpose: String, confirm: Bool = false) throws -> SecretBytes {
        if let file {
            return try Self.read(file: file)
        }
        if let value = environment[variable] {
            guard !value.isEmpty else { throw VaultError.emptyPassphrase }
            return SecretBytes(utf8: value)
        }
        guard let prompt else { throw VaultError.passphraseUnavailable(purpose: purpose) }
        let first = try prompt("Passphrase to \(purpose): ")
        guard !first.isEmpty else { throw VaultError.emptyPassphrase }
        if confirm {
            let second = try prompt("Same passphrase again: ")
            guard first == second else { throw VaultError.passphraseMismatch }
        }
        return SecretBytes(utf8: first)
    }

    /// The first line of a passphrase file (one trailing newline removed).
    /// Like a key file (docs/KEYS.md): a regular file of yours that nobody else may read or write.
    static func read(file path: String) throws -> SecretBytes {
        var bytes: [UInt8]
        do {
            bytes = try OwnedFile.read(path, limit: maximumFileBytes, secret: true)
        } catch {
            let reason: String
            switch error {
            case .missing: reason = "no such file"
            case .notRegular: reason = "not a regular file"
            case .symlink: reason = "a symbolic link (passphrase files are read only as regular files)"
            case .ownedByOther(let uid): reason = "it belongs to another user (uid \(uid))"
            case .openToOthers(let mode): reason = "it is open to group or others (mode \(String(mode, radix: 8))); chmod 600 \(path)"
            case .tooLarge: reason = "larger than \(maximumFileBytes) bytes"
            case .unreadable(let why): reason = why
            }
            throw VaultError.passphraseFile(path: path, reason: reason)
        }
        defer { Memory.zero(&bytes) }
        if let newline = bytes.firstIndex(of: 0x0A) { bytes.removeSubrange(newline...) }
        if bytes.last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw VaultError.emptyPassphrase }
        return SecretBytes(copying: bytes)
    }
}
