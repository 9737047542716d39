import ArgumentParser

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Your identity and your team's keyring.",
        subcommands: [
            KeysGenerate.self, KeysShow.self, KeysTrust.self, KeysList.self, KeysRevoke.self, KeysRemove.self,
            KeysPasswd.self, KeysRotate.self, KeysRevokeSelf.self, KeysConfirm.self,
        ]
    )
}
