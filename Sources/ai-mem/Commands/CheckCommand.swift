import AIMemCore
import ArgumentParser
import MemoryStore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the store's integrity (SQLite and the keyword index), e.g. after a crash."
    )

    @OptionGroup var homeOptions: HomeOptions

    @Flag(help: "Print {ok, problems} as JSON.")
    var json = false

    func run() throws {
        let problems = try homeOptions.openStore().checkIntegrity()
        if json {
            Terminal.json(.object(JSONObject(["ok": .bool(problems.isEmpty), "problems": .array(problems.map(JSONValue.string))])))
        } else if problems.isEmpty {
            Terminal.out("ok")
        } else {
            for p in problems { Terminal.err("problem: \(p)") }
        }
        if !problems.isEmpty {
            throw MemoryStoreError.corrupt(path: homeOptions.resolved.databaseURL.path, problems: problems.count)
        }
    }
}
