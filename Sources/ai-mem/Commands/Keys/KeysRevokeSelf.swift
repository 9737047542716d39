import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct KeysRevokeSelf: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-self",
        abstract: "Revoke one of your retired keys (rotated routinely, then found copied or stolen).",
        discussion: """
            The key is marked compromised in your home — nothing it signs counts as yours from now on, \
            backups it made included — and its revocation statement, signed by that key, is printed. \
            Teammates apply it with `ai-mem keys trust STATEMENT`: it overrides every rotation statement \
            from that key, so a thief's rotation no longer counts. Your current key is not revoked this \
            way: `ai-mem keys rotate --compromised` replaces it.
            """
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var passphraseOptions: PassphraseOptions

    @Argument(help: "The retired key's id (or a unique prefix of 4+ hex digits); `ai-mem keys list` shows them.")
    var keyID: String

    @Flag(help: "Print the statement as JSON.")
    var json = false

    func run() throws {
        let keys = KeyStore(home: homeOptions.resolved)
        let statement = try keys.revokeRetiredKey(keyID, passphrases: passphraseOptions.sources)
        if json {
            Terminal.json(.object(JSONObject(["key_id": .string(statement.key.keyID), "revocation_statement": .string(statement.text)])))
            return
        }
        Terminal.out("revoked your retired key \(statement.key.keyID): nothing it signs counts as yours any more")
        Terminal.out("revocation statement (also in \(keys.revocationStatementPath)):")
        Terminal.out(statement.text)
        Terminal.err("teammates run: ai-mem keys trust \(keys.revocationStatementPath)")
    }
}
