import AIMemCore
import Foundation

/// `config.json` in the ai-mem home: a flat JSON object of string settings
/// (`ai-mem config`). Written atomically; unknown keys are kept as they are.
struct SettingsFile: Sendable, Equatable {
    static let maxBytes = 1 << 20

    let path: String
    private(set) var values: [String: String]

    init(home: Home) throws {
        path = home.url.appendingPathComponent("config.json").path
        values = [:]
        guard FileManager.default.fileExists(atPath: path) else { return }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw IOError(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard data.count <= Self.maxBytes else { throw IOError(path: path, reason: "larger than 1 MiB", hint: "fix or delete the file; `ai-mem config set` writes it anew") }
        let value: JSONValue
        do {
            value = try JSONParser.parse([UInt8](data))
        } catch {
            throw CommandError("\(path) is not valid JSON (\(error))", hint: "fix or delete the file; `ai-mem config set` writes it anew")
        }
        guard case .object(let object) = value else {
            throw CommandError("\(path) is not a JSON object", hint: "fix or delete the file; `ai-mem config set` writes it anew")
        }
        for member in object.members {
            guard case .string(let text) = member.value else {
                throw CommandError("\(path): the value of \(member.key) is not a string")
            }
            values[member.key] = text
        }
    }

    subscript(key: String) -> String? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Writes the settings (mode 0600: an URL may carry credentials).
    func save() throws {
        var writer = JSONWriter()
        writer.write(.object(JSONObject(values.keys.sorted().map { JSONObject.Member(key: $0, value: .string(values[$0]!)) })))
        writer.append(UInt8(ascii: "\n"))
        let file = try AtomicFile(path: path, mode: 0o600)
        do {
            try Descriptor.writeAll(file.fileDescriptor, writer.bytes, name: path)
        } catch {
            file.abandon()
            throw error
        }
        try file.commit()
    }
}
