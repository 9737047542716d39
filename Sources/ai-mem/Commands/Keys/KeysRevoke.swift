import AIMemCore
import Foundation
import ArgumentParser
import Vault

struct KeysRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Mark a keyring entry revoked: snapshots signed by that key are refused from now on."
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "The entry's name or key id.")
    var key: String

    @Option(help: "Why (kept in the keyring).")
    var reason: String?

    @Flag(help: "Print the entry as JSON.")
    var json = false

    func run() throws {
        let entry = try KeyStore(home: homeOptions.resolved).updateKeyring { ring in
            try ring.revoke(key, reason: reason, at: Date().timeIntervalSince1970)
        }
        if json { Terminal.json(KeysList.json(entry)) } else { Terminal.out("revoked \(entry.name), key id \(entry.keyID)") }
    }
}

struct KeysRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Delete a keyring entry (prefer `revoke` to keep a record)."
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "The entry's name or key id.")
    var key: String

    @Flag(help: "Print the removed entry as JSON.")
    var json = false

    func run() throws {
        let entry = try KeyStore(home: homeOptions.resolved).updateKeyring { ring in try ring.remove(key) }
        if json { Terminal.json(KeysList.json(entry)) } else { Terminal.out("removed \(entry.name), key id \(entry.keyID)") }
    }
}
