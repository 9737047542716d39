import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import Vault

struct KeysTrust: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Add a teammate's public key to your keyring, or apply their rotation statement.",
        discussion: """
            KEY is a public-key line (ai-mem-pk1:…), a rotation statement (ai-mem-rot1:…), or a file \
            holding one (blank lines and # comments allowed). A rotation statement is accepted only when \
            it is signed by a key already trusted in your keyring; that entry then moves to the new key.
            """
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "A public-key line, a rotation statement, or a file holding one.")
    var key: String

    @Option(help: "The name to trust the key under (required for a new key).")
    var name: String?

    @Flag(help: "The key is another device of yours: what it wrote counts as yours (you may change it here, and it may change yours).")
    var mine = false

    @Flag(help: "Print the resulting keyring entry as JSON.")
    var json = false

    func run() throws {
        let keys = KeyStore(home: homeOptions.resolved)
        let text = try Self.keyText(key)
        let entry: KeyringEntry
        if RotationStatement.looksLikeStatement(text) {
            let statement = try RotationStatement(text: text)
            entry = try keys.accept(statement)
            if let name, name != entry.name {
                Terminal.warning("--name \(name) ignored: the rotation applies to the existing entry \(entry.name)")
            }
            if !json { Terminal.out("\(entry.name): key \(statement.oldKey.keyID) rotated to \(entry.keyID)") }
        } else {
            let identity = try PublicIdentity(keyLine: text)
            guard let name else {
                throw CommandError("--name is required to trust a new key", hint: "ai-mem keys trust KEY --name alice")
            }
            entry = try keys.trust(identity, name: name, isMine: mine)
            if !json { Terminal.out("trusted \(entry.name)\(mine ? " (one of your devices)" : ""), key id \(entry.keyID)") }
        }
        if json { Terminal.json(KeysList.json(entry)) }
    }

    /// The key line or statement in the argument, or in the file it names.
    static func keyText(_ argument: String) throws -> String {
        if PublicIdentity.looksLikeKeyLine(argument) || RotationStatement.looksLikeStatement(argument) { return argument }
        guard FileManager.default.fileExists(atPath: argument) else {
            throw CommandError("\(argument) is neither a public-key line nor a readable file",
                               hint: "a public-key line starts with \(PublicIdentity.keyLinePrefix)")
        }
        let lines = try PublicKeyFile.lines(atPath: argument).map(\.text)
        guard lines.count == 1 else { throw VaultError.keyFileCount(path: argument, count: lines.count) }
        return lines[0]
    }
}
