import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct KeysRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace your identity with a new one and print a rotation statement signed by the old key.",
        discussion: """
            The old secret key is kept (retired-keys/ in the home) so that snapshots already encrypted \
            to it can still be merged. Teammates who trust your old key run `ai-mem keys trust STATEMENT` \
            to move their entry to the new key. The new key keeps the old key's passphrase.
            """
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var passphraseOptions: PassphraseOptions

    @Option(help: "Argon2id work factor for the new key: interactive, moderate (default) or sensitive.")
    var kdf: KDFStrength = .moderate

    @Flag(help: "Print the new key and the statement as JSON.")
    var json = false

    func run() throws {
        let keys = KeyStore(home: homeOptions.resolved)
        let (file, statement) = try keys.rotate(passphrases: passphraseOptions.sources, limits: kdf.limits)
        if json {
            Terminal.json(.object(JSONObject([
                "name": .string(file.name), "key_id": .string(file.keyID), "public_key": .string(file.publicIdentity.keyLine),
                "old_key_id": .string(statement.oldKey.keyID), "rotation_statement": .string(statement.text),
            ])))
            return
        }
        Terminal.out("rotated \(file.name): key \(statement.oldKey.keyID) -> \(file.keyID)")
        Terminal.out("new public key:")
        Terminal.out(file.publicIdentity.keyLine)
        Terminal.out("rotation statement (also in \(keys.rotationStatementPath)):")
        Terminal.out(statement.text)
        Terminal.err("teammates who trust your old key run: ai-mem keys trust \(keys.rotationStatementPath)")
    }
}
