import Foundation

/// `config.json` in the ai-mem home: a flat JSON object of string settings
/// (`ai-mem config`). Written atomically; unknown keys are kept as they are.
public struct SettingsFile: Sendable, Equatable {
    public static let maxBytes = 1 << 20

    public let path: String
    public private(set) var values: [String: String]

    public init(home: Home) throws {
        path = home.url.appendingPathComponent("config.json").path
        values = [:]
        guard FileManager.default.fileExists(atPath: path) else { return }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MemoryStoreError.io(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard data.count <= Self.maxBytes else { throw MemoryStoreError.io(path: path, reason: "larger than 1 MiB") }
        let value: JSONValue
        do {
            value = try JSONParser.parse([UInt8](data))
        } catch {
            throw MemoryStoreError.invalidArgument("\(path) is not valid JSON (\(error))", hint: "fix or delete the file; `ai-mem config set` writes it anew")
        }
        guard case .object(let object) = value else {
            throw MemoryStoreError.invalidArgument("\(path) is not a JSON object", hint: "fix or delete the file; `ai-mem config set` writes it anew")
        }
        for member in object.members {
            guard case .string(let text) = member.value else {
                throw MemoryStoreError.invalidArgument("\(path): the value of \(member.key) is not a string", hint: nil)
            }
            values[member.key] = text
        }
    }

    public subscript(key: String) -> String? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Writes the settings (mode 0600: an URL may carry credentials).
    public func save() throws {
        var writer = JSONWriter()
        writer.write(.object(JSONObject(values.keys.sorted().map { JSONObject.Member(key: $0, value: .string(values[$0]!)) })))
        writer.append(UInt8(ascii: "\n"))
        let file = try AtomicFile(path: path, mode: 0o600)
        let bytes = writer.bytes
        let written = bytes.withUnsafeBytes { write(file.fileDescriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            file.abandon()
            throw MemoryStoreError.io(path: path, reason: "cannot write: \(String(cString: strerror(errno)))")
        }
        try file.commit()
    }
}
