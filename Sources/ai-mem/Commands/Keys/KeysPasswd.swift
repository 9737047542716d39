import AIMemCore
import Sodium
import ArgumentParser
import Foundation
import Vault

struct KeysPasswd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Change, add or remove the passphrase of your secret key; the key itself (and its id) stays.",
        discussion: "The new passphrase comes from --new-passphrase-file, else $AI_MEM_NEW_PASSPHRASE, else a prompt on a terminal."
    )

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var passphraseOptions: PassphraseOptions

    @Option(help: ArgumentHelp("Read the new passphrase from the first line of FILE.", valueName: "file"))
    var newPassphraseFile: String?

    @Flag(help: "Remove the passphrase: store the secret key unencrypted.")
    var noPassphrase = false

    @Option(help: "Argon2id work factor: interactive, moderate (default) or sensitive.")
    var kdf: KDFStrength = .moderate

    func run() throws {
        let keys = KeyStore(home: homeOptions.resolved)
        let current = try keys.identityFile()
        var newPassphrase: SecretBytes? = nil
        if !noPassphrase {
            let sources = PassphraseSources(file: newPassphraseFile, variable: "AI_MEM_NEW_PASSPHRASE", prompt: SecretPrompt.ifTerminal)
            newPassphrase = try sources.obtain(purpose: "protect your key (new passphrase)", confirm: true)
        }
        let updated = try keys.changePassphrase(current: passphraseOptions.sources, new: newPassphrase, limits: kdf.limits)
        if noPassphrase {
            Terminal.warning("the secret key is now stored unencrypted in \(keys.identityPath)")
        }
        Terminal.out("\(current.isProtected ? "changed" : "set") the protection of key \(updated.keyID): \(updated.isProtected ? "passphrase" : "none")")
    }
}
