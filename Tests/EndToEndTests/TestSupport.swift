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

extension Person {
    /// "id content author-key-id" of every memory in this person's store, sorted: what
    /// converged stores must agree on.
    func memoryLines() throws -> [String] {
        try jsonArray(cli.ok(["list", "--limit", "0", "--json"]).stdout).map { row in
            "\(row["id"]!) \(row["content"]!) \((row["author"] as? [String: Any])?["key_id"] ?? "none")"
        }.sorted()
    }
}

/// The changes of the multi-home sync tests: in each round a person adds two
/// memories, from round 2 edits their first one, and in round 3 deletes their newest.
struct ChangeRounds {
    var own: [String: [String]] = [:]
    var deleted: [String] = []

    mutating func change(_ p: Person, round: Int, topic: String) throws {
        for k in 0..<2 {
            let id = try p.cli.ok(["add", "\(p.name) round \(round) note \(k): \(topic) at \(round + k)"]).out.trimmingCharacters(in: .newlines)
            own[p.name, default: []].append(id)
        }
        if round > 1, let first = own[p.name]?.first {
            try p.cli.ok(["edit", first, "--content", "\(p.name) edited in round \(round)"])
        }
        if round == 3, let gone = own[p.name]?.last {
            try p.cli.ok(["delete", gone])
            deleted.append(gone)
            own[p.name]?.removeLast()
        }
    }
}
