import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct KeysList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Your identity and every keyring entry."
    )

    @OptionGroup var homeOptions: HomeOptions

    @Flag(help: "Print a JSON array of {name, key_id, public_key, status, added_at[, self]}.")
    var json = false

    func run() throws {
        let keys = KeyStore(home: homeOptions.resolved)
        let own = keys.hasIdentity ? try keys.identityFile() : nil
        let ring = try keys.keyring()
        if json {
            var items: [JSONValue] = []
            if let own {
                items.append(.object(JSONObject([
                    "name": .string(own.name), "key_id": .string(own.keyID), "public_key": .string(own.publicIdentity.keyLine),
                    "status": .string("self"), "added_at": JSONValue.double(own.createdAt) ?? .null, "self": .bool(true),
                ])))
            }
            items += ring.entries.map(Self.json)
            Terminal.json(.array(items))
            return
        }
        if own == nil && ring.entries.isEmpty {
            Terminal.err("no identity and an empty keyring; start with `ai-mem keys generate`")
            return
        }
        let cells: [[String]] = (own.map { [[$0.name, $0.keyID, "you", DateParsing.format($0.createdAt)]] } ?? [])
            + ring.entries.map { e in
                var status = e.statusText
                if case .revoked(_, let reason) = e.status, let reason, !reason.isEmpty { status += " (\(reason))" }
                if e.isMine { status += ", your device" }
                return [e.name, e.keyID, status, DateParsing.format(e.addedAt)]
            }
        let header = ["NAME", "KEY ID", "STATUS", "ADDED"]
        let rows = cells.map { $0.map(TerminalText.oneLine) }
        let widths = (0..<3).map { column in ([header] + rows).map { $0[column].count }.max()! }
        for row in [header] + rows {
            Terminal.out((0..<3).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[3])
        }
    }

    static func json(_ e: KeyringEntry) -> JSONValue {
        var o = JSONObject([
            "name": .string(e.name), "key_id": .string(e.keyID), "public_key": .string(e.publicIdentity.keyLine),
            "status": .string(e.statusText), "added_at": JSONValue.double(e.addedAt) ?? .null,
        ])
        if case .revoked(let at, let reason) = e.status {
            o.append("revoked_at", JSONValue.double(at) ?? .null)
            o.append("revoked_reason", reason.map(JSONValue.string) ?? .null)
        }
        if let from = e.rotatedFrom { o.append("rotated_from", .string(from)) }
        o.append("mine", .bool(e.isMine))
        return .object(o)
    }
}
