import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import Vault

struct KeysConfirm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm",
        abstract: "Settle a disputed (or revoked) keyring entry: the key you checked with its owner is theirs.",
        discussion: """
            An entry is disputed when one of its keys signed two different rotation statements, or \
            revoked itself after the entry had moved on from it: someone else holds that key, so none \
            of the keys reached through it is trusted. Check the owner's current key id with them by \
            another channel (in person, a call), then confirm it. KEY is the key id of the entry's key \
            or of one of its candidates (`ai-mem keys list`), a public-key line, or a file holding one \
            (written as a path). The keys of the branch not chosen are never trusted again.
            """
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "The keyring entry's name.")
    var name: String

    @Argument(help: "The key to trust: a key id shown by `keys list`, a public-key line, or ./FILE.")
    var key: String

    @Flag(help: "Print the resulting keyring entry as JSON.")
    var json = false

    func run() throws {
        let keys = KeyStore(home: homeOptions.resolved)
        let ring = try keys.keyring()
        guard let entry = ring.entry(named: name) else { throw VaultError.unknownKey(name) }
        let identity: PublicIdentity
        let lowered = key.lowercased()
        if let known = ([entry.publicIdentity] + entry.candidateKeys).first(where: { $0.keyID == lowered }) {
            identity = known
        } else if PublicIdentity.looksLikeKeyLine(key) {
            identity = try PublicIdentity(keyLine: key.trimmingCharacters(in: .whitespaces))
        } else if let path = Recipients.pathIfWrittenAsOne(key) {
            identity = try PublicIdentity(keyLine: try KeysTrust.keyText(path))
        } else {
            throw CommandError("\(key) is not a key of \(name), a public-key line or a path",
                               hint: "`ai-mem keys list` shows \(name)'s keys; a file is written as ./FILE")
        }
        let (confirmed, _) = try keys.confirm(name, key: identity)
        if json { Terminal.json(KeysList.json(confirmed)); return }
        Terminal.out("confirmed \(TerminalText.oneLine(confirmed.name)): trusted with key \(confirmed.keyID)")
    }
}
