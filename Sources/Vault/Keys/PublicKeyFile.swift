import AIMemCore
import Foundation

/// A small text file of public-key lines (or of one rotation statement), with
/// blank lines and `#` comments: what `keys trust FILE` and `snapshot export --to FILE`
/// read (docs/KEYS.md). One parser, one limit, one set of errors for both.
public enum PublicKeyFile {
    /// Larger files are refused before they are read.
    public static let maximumBytes = 1 << 20

    /// A meaningful line: trimmed, with its 1-based number in the file.
    public struct Line: Sendable, Equatable {
        public var number: Int
        public var text: String
    }

    /// The lines that are neither blank nor `#` comments.
    public static func lines(atPath path: String) throws(VaultError) -> [Line] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .io(IOError(path: path, reason: "no such file", hint: "a public-key line starts with \(PublicIdentity.keyLinePrefix); a file must exist"))
        }
        guard !isDirectory.boolValue else { throw .io(IOError(path: path, reason: "is a directory")) }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size, size <= maximumBytes else {
            throw .io(IOError(path: path, reason: "larger than \(maximumBytes) bytes: not a public-key file"))
        }
        guard let data = FileManager.default.contents(atPath: path), data.count <= maximumBytes else {
            throw .io(IOError(path: path, reason: "cannot read"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .io(IOError(path: path, reason: "not UTF-8 text: not a public-key file"))
        }
        var result: [Line] = []
        for (index, raw) in TextLines.split(text).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            result.append(Line(number: index + 1, text: line))
        }
        return result
    }

    /// Every public key in the file; a line that is not one is an error naming it.
    public static func keys(atPath path: String) throws(VaultError) -> [PublicIdentity] {
        var keys: [PublicIdentity] = []
        let lines = try lines(atPath: path)
        guard !lines.isEmpty else { throw .noKeysInFile(path: path) }
        for line in lines {
            do {
                keys.append(try PublicIdentity(keyLine: line.text))
            } catch {
                guard case .invalidKeyLine(let problem) = error else { throw error }
                throw .invalidKeyFileLine(path: path, line: line.number, problem: problem)
            }
        }
        return keys
    }
}
