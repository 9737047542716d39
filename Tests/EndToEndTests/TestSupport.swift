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
