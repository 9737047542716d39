import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import Vault

struct KeysTrust: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Add a teammate's public key to your keyring, or apply their rotation or revocation statement.",
        discussion: """
            KEY is a public-key line (ai-mem-pk1:…), a rotation statement (ai-mem-rot1:…), a revocation \
            statement (ai-mem-rev1:…), or a file holding one (blank lines and # comments allowed). A rotation \
            statement is applied only when it is signed by a key of your keyring; it shows the old and new key \
            ids and asks before moving the entry (on a terminal; --yes for scripts) — check the new key id \
            with its owner. A second, different rotation from the same old key puts the entry in dispute \
            (`ai-mem keys confirm` settles it). A revocation statement is applied without asking: the key \
            it revokes, and every rotation it signed, are trusted no more.
            """
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "A public-key line, a rotation or revocation statement, or a file holding one.")
    var key: String

    @Option(help: "The name to trust the key under (required for a new key).")
    var name: String?

    @Flag(help: "The key is another device of yours: what it wrote counts as yours (you may change it here, and it may change yours).")
    var mine = false

    @Flag(help: "Apply a rotation statement without asking (you checked the new key id with its owner).")
    var yes = false

    @Flag(help: "Print the resulting keyring entry as JSON.")
    var json = false

    func run() throws {
        let keys = KeyStore(home: homeOptions.resolved)
        let text = try Self.keyText(key)
        let entry: KeyringEntry
        if RevocationStatement.looksLikeStatement(text) {
            let statement = try RevocationStatement(text: text)
            let (changed, change) = try keys.accept(statement)
            entry = changed
            if !json { report(change, entry: changed, key: statement.key.keyID) }
        } else if RotationStatement.looksLikeStatement(text) {
            let statement = try RotationStatement(text: text)
            let (preview, expected) = try keys.preview(statement)
            if let name, name != preview.name {
                Terminal.warning("--name \(name) ignored: the statement applies to the existing entry \(TerminalText.oneLine(preview.name))")
            }
            if expected == .rotated && !yes {
                let question = "\(TerminalText.oneLine(preview.name)): key \(statement.oldKey.keyID) -> \(statement.newKey.keyID) (statement dated \(DateParsing.format(Double(statement.time))))"
                guard Terminal.stdinIsTerminal else { throw VaultError.confirmationNeeded("move \(question)") }
                Terminal.err("rotation of \(question)")
                Terminal.err("check the new key id \(statement.newKey.keyID) with \(TerminalText.oneLine(preview.name)) by another channel.")
                guard try Self.ask("apply it? [y/N] ") else { throw CommandError("not applied; the keyring is unchanged", hint: nil) }
            }
            let (changed, change) = try keys.accept(statement)
            entry = changed
            if !json { report(change, entry: changed, key: statement.oldKey.keyID, newKey: statement.newKey.keyID) }
        } else {
            let identity = try PublicIdentity(keyLine: text)
            guard let name else {
                throw CommandError("--name is required to trust a new key", hint: "ai-mem keys trust KEY --name alice")
            }
            let ring = try keys.keyring()
            // A keyring written before key histories were kept knows an old key by its id only.
            if ring.entry(holding: identity) == nil, let rotated = ring.entries.first(where: { $0.rotatedFrom == identity.keyID }) {
                Terminal.warning("key \(identity.keyID) is the key \(TerminalText.oneLine(rotated.name)) rotated away from\(rotated.rotatedAt.map { " on \(DateParsing.format($0))" } ?? ""); trusted again as \(TerminalText.oneLine(name)), it signs at any time, also for whoever may have copied it")
            }
            entry = try keys.trust(identity, name: name, isMine: mine)
            if !json { Terminal.out("trusted \(entry.name)\(mine ? " (one of your devices)" : ""), key id \(entry.keyID)") }
        }
        if json { Terminal.json(KeysList.json(entry)) }
    }

    private func report(_ change: KeyringChange, entry: KeyringEntry, key: String, newKey: String? = nil) {
        let name = TerminalText.oneLine(entry.name)
        switch change {
        case .rotated: Terminal.out("\(name): key \(key) rotated to \(entry.keyID); snapshots the old key made until then stay \(name)'s")
        case .alreadyApplied: Terminal.out("\(name): already applied; nothing changed")
        case .revoked: Terminal.out("\(name): key \(key) revoked by its owner's statement; nothing it signs is accepted")
        case .keyCompromised: Terminal.out("\(name): key \(key) is no longer trusted; \(name)'s current key \(entry.keyID) is unaffected")
        case .confirmed: Terminal.out("\(name): confirmed")
        case .disputed:
            Terminal.warning("\(name) is now disputed: key \(key) \(newKey == nil ? "revoked itself after the entry moved on from it" : "signed two different rotations (the other to \(newKey!))"), so someone else holds it; no key of \(name) that followed it is trusted")
            Terminal.hint("check \(name)'s current key id with them by another channel, then `ai-mem keys confirm \(name) KEY`")
        }
    }

    static func ask(_ question: String) throws -> Bool {
        FileHandle.standardError.write(Data(question.utf8))
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// The key line or statement in the argument, or in the file it names.
    static func keyText(_ argument: String) throws -> String {
        if PublicIdentity.looksLikeKeyLine(argument) || RotationStatement.looksLikeStatement(argument)
            || RevocationStatement.looksLikeStatement(argument) { return argument }
        guard FileManager.default.fileExists(atPath: argument) else {
            throw CommandError("\(argument) is neither a public-key line nor a readable file",
                               hint: "a public-key line starts with \(PublicIdentity.keyLinePrefix)")
        }
        let lines = try PublicKeyFile.lines(atPath: argument).map(\.text)
        guard lines.count == 1 else { throw VaultError.keyFileCount(path: argument, count: lines.count) }
        return lines[0]
    }
}
