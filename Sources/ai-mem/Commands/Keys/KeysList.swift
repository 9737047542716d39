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

    @Flag(help: "Print a JSON array of {name, key_id, public_key, status, added_at[, self, retired_at, previous_keys, candidate_keys]}.")
    var json = false

    func run() throws {
        let keys = KeyStore(home: homeOptions.resolved)
        let own = keys.hasIdentity ? try keys.identityFile() : nil
        let retired = keys.hasIdentity ? Array(try keys.ownKeys().dropFirst()) : []
        let ring = try keys.keyring()
        if json {
            var items: [JSONValue] = []
            if let own {
                items.append(.object(JSONObject([
                    "name": .string(own.name), "key_id": .string(own.keyID), "public_key": .string(own.publicIdentity.keyLine),
                    "status": .string("self"), "added_at": JSONValue.double(own.createdAt) ?? .null, "self": .bool(true),
                ])))
            }
            for r in retired {
                items.append(.object(JSONObject([
                    "name": .string(r.file.name), "key_id": .string(r.file.keyID), "public_key": .string(r.file.publicIdentity.keyLine),
                    "status": .string(r.compromised ? "retired, compromised" : "retired"), "added_at": JSONValue.double(r.file.createdAt) ?? .null,
                    "retired_at": r.until.flatMap(JSONValue.double) ?? .null, "self": .bool(true),
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
        var cells: [[String]] = own.map { [[$0.name, $0.keyID, "you", DateParsing.format($0.createdAt)]] } ?? []
        for r in retired {
            let when = r.until.map { " on \(DateParsing.format($0))" } ?? ""
            cells.append(["  (retired)", r.file.keyID, r.compromised ? "your key, retired as compromised\(when)" : "your key, rotated\(when)",
                          DateParsing.format(r.file.createdAt)])
        }
        for e in ring.entries {
            var status = e.statusText
            if case .revoked(_, let reason) = e.status, let reason, !reason.isEmpty { status += " (\(reason))" }
            if e.isMine { status += ", your device" }
            if e.isDisputed { status += ": confirm one key with `keys confirm`" }
            cells.append([e.name, e.keyID, status, DateParsing.format(e.addedAt)])
            for p in e.previousKeys.reversed() {
                cells.append(["  (previous)", p.keyID, p.compromised ? "compromised" : "rotated on \(DateParsing.format(p.until))", ""])
            }
            for c in e.candidateKeys { cells.append(["  (candidate)", c.keyID, "disputed", ""]) }
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
        o.append("previous_keys", .array(e.previousKeys.map { p in
            .object(JSONObject(["key_id": .string(p.keyID), "public_key": .string(p.publicIdentity.keyLine),
                                "until": JSONValue.double(p.until) ?? .null, "compromised": .bool(p.compromised)]))
        }))
        o.append("candidate_keys", .array(e.candidateKeys.map { c in
            .object(JSONObject(["key_id": .string(c.keyID), "public_key": .string(c.keyLine)]))
        }))
        return .object(o)
    }
}
