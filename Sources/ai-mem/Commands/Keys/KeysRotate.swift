import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct KeysRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace your identity with a new one: routinely (a rotation statement), or after a compromise (--compromised).",
        discussion: """
            The old secret key is kept (retired-keys/ in the home) so that snapshots already encrypted \
            to it can still be merged. A routine rotation prints a rotation statement signed by the old \
            key: teammates run `ai-mem keys trust STATEMENT` to follow you, and what the old key signed up \
            to now (your backups) still counts as yours. Anyone who copied the old key can still sign \
            snapshots as you dated before now. When the old key may have been copied or stolen, say \
            --compromised: the old key then never counts as yours again, and instead of a rotation \
            statement (which the thief could sign too) you get its revocation statement; teammates apply \
            it and confirm your new key with you by another channel. The new key keeps the old key's passphrase.
            """
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var passphraseOptions: PassphraseOptions

    @Option(help: "Argon2id work factor for the new key: interactive, moderate (default) or sensitive.")
    var kdf: KDFStrength = .moderate

    @Flag(help: "The old key may have been copied or stolen: it never signs as you again, and its revocation statement is made.")
    var compromised = false

    @Flag(help: "Print the new key and the statement as JSON.")
    var json = false

    func run() throws {
        let keys = KeyStore(home: homeOptions.resolved)
        let rotation = try keys.rotate(passphrases: passphraseOptions.sources, limits: kdf.limits, compromised: compromised)
        let file = rotation.newKey
        if json {
            var o = JSONObject([
                "name": .string(file.name), "key_id": .string(file.keyID), "public_key": .string(file.publicIdentity.keyLine),
                "old_key_id": .string(rotation.oldKeyID), "reason": .string(compromised ? "compromised" : "routine"),
            ])
            if let s = rotation.rotationStatement { o.append("rotation_statement", .string(s.text)) }
            if let s = rotation.revocationStatement { o.append("revocation_statement", .string(s.text)) }
            Terminal.json(.object(o))
            return
        }
        Terminal.out("rotated \(file.name)\(compromised ? " after a compromise" : ""): key \(rotation.oldKeyID) -> \(file.keyID)")
        Terminal.out("new public key:")
        Terminal.out(file.publicIdentity.keyLine)
        if let statement = rotation.rotationStatement {
            Terminal.out("rotation statement (also in \(keys.rotationStatementPath)):")
            Terminal.out(statement.text)
            Terminal.err("teammates who trust your old key run: ai-mem keys trust \(keys.rotationStatementPath)")
            Terminal.notice("snapshots your old key made until now still count as yours; if it may have been copied, run `ai-mem keys revoke-self \(rotation.oldKeyID)`")
        }
        if let statement = rotation.revocationStatement {
            Terminal.out("revocation statement of the old key (also in \(keys.revocationStatementPath)):")
            Terminal.out(statement.text)
            Terminal.err("teammates run: ai-mem keys trust \(keys.revocationStatementPath)")
            Terminal.err("then, having checked the new key id \(file.keyID) with you by another channel: ai-mem keys confirm \(TerminalText.oneLine(file.name)) '\(file.publicIdentity.keyLine)'")
        }
    }
}
