import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct KeysShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print your public key (a valid key file: `ai-mem keys show > me.pub`). Needs no passphrase."
    )

    @OptionGroup var homeOptions: HomeOptions

    @Flag(help: "Print public_key, key_id and name as JSON.")
    var json = false

    func run() throws {
        let file = try KeyStore(home: homeOptions.resolved).identityFile()
        if json {
            Terminal.json(Self.json(file))
        } else {
            Terminal.out("# ai-mem public key of \(file.name), key id \(file.keyID)")
            Terminal.out(file.publicIdentity.keyLine)
        }
    }

    static func json(_ file: SecretKeyFile) -> JSONValue {
        .object(JSONObject([
            "public_key": .string(file.publicIdentity.keyLine),
            "key_id": .string(file.keyID),
            "name": .string(file.name),
            "protected": .bool(file.isProtected),
        ]))
    }
}
