import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import Vault

struct KeysGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Create your identity: a signing and an encryption key pair, the secret half protected by a passphrase."
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var passphraseOptions: PassphraseOptions

    @Option(help: "Your name as teammates will see it (default: $USER).")
    var name: String?

    @Flag(help: "Store the secret key unencrypted (for unattended backups); anyone who can read the file can use it.")
    var noPassphrase = false

    @Option(help: "Argon2id work factor: interactive, moderate (default) or sensitive.")
    var kdf: KDFStrength = .moderate

    @Flag(help: "Print name, key id and public key as JSON.")
    var json = false

    func run() throws {
        let keys = KeyStore(home: homeOptions.resolved)
        if keys.hasIdentity { throw VaultError.identityExists(path: keys.identityPath) }
        let chosenName = name ?? ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "me"
        let passphrase = noPassphrase ? nil : try passphraseOptions.sources.obtain(purpose: "protect your new key", confirm: true)
        let file = try keys.generate(name: chosenName, passphrase: passphrase, limits: kdf.limits)
        if noPassphrase {
            Terminal.warning("the secret key is stored unencrypted in \(keys.identityPath); protect that file (it is mode 0600)")
        }
        if json {
            Terminal.json(KeysShow.json(file))
        } else {
            Terminal.out("created identity \(file.name), key id \(file.keyID)")
            Terminal.out(file.publicIdentity.keyLine)
            Terminal.err("share the line above (or `ai-mem keys show > \(file.name).pub`) with your teammates")
        }
    }
}
