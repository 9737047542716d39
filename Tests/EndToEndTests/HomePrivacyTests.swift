import Foundation
import Testing

/// Issue 14, item 3: the home is its user's alone. Files 0600 and directories 0700
/// whatever the umask; an existing home is tightened; keyrings, key files and
/// passphrase files that others own or may write are refused.
struct HomePrivacyTests {
    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue & 0o777
    }

    @Test func everythingAiMemCreatesIsPrivate() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let other = CLI()
        defer { other.cleanUp() }
        let o = try jsonObject(other.ok(["keys", "generate", "--name", "bob", "--no-passphrase", "--json"]).stdout)
        try cli.ok(["keys", "generate", "--name", "alice", "--no-passphrase"])
        try cli.ok(["add", "a memory with a ghp_ token in it"])
        try cli.ok(["search", "token", "--mode", "semantic"])
        try cli.ok(["keys", "trust", o["public_key"] as! String, "--name", "bob"])
        try cli.ok(["config", "set", "embedder", "lexical"])
        try cli.ok(["keys", "rotate"])
        let home = cli.path("store")
        #expect(try mode(home) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: home)
        #expect(files.contains("memory.sqlite") && files.contains("keyring.txt") && files.contains("rotation-statement.txt"), "\(files)")
        #expect(files.contains { $0.hasPrefix("vector-index") }, "\(files)")
        for name in files {
            let path = home + "/" + name
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let m = try mode(path)
            #expect(m == (isDirectory.boolValue ? 0o700 : 0o600), "\(name): \(String(m, radix: 8))")
        }
    }

    @Test func anExistingHomeIsMadePrivate() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let home = cli.path("store")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try cli.ok(["add", "first memory"])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: home)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: home + "/memory.sqlite")
        try cli.ok(["list"])
        #expect(try mode(home) == 0o700)
        #expect(try mode(home + "/memory.sqlite") == 0o600)
    }

    @Test func aKeyringOthersMayWriteIsRefused() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let other = CLI()
        defer { other.cleanUp() }
        let o = try jsonObject(other.ok(["keys", "generate", "--name", "eve", "--no-passphrase", "--json"]).stdout)
        try cli.ok(["keys", "generate", "--name", "alice", "--no-passphrase"])
        try cli.ok(["keys", "trust", o["public_key"] as! String, "--name", "alice-laptop"])
        let keyring = cli.path("store/keyring.txt")
        // Group-writable: whoever could write it chose whom you trust, so it is refused (not silently tightened),
        // by every command that reads it.
        try FileManager.default.setAttributes([.posixPermissions: 0o662], ofItemAtPath: keyring)
        for args in [["keys", "list"], ["add", "x"], ["keys", "list"]] {
            let r = try cli.run(args)
            if args[0] == "keys" {
                #expect(r.status == 1 && r.stderr.contains("is writable by group or others (mode 662): anyone who can write it chooses whom you trust"), "\(r.stderr)")
                #expect(r.stderr.contains("ai-mem: hint: check its entries with `ai-mem keys list`, then chmod 600"))
            }
        }
        #expect(try mode(keyring) == 0o662)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyring)  // readable is fine: public keys
        try cli.ok(["keys", "list"])
        guard geteuid() == 0 else { return }
        // A keyring that belongs to someone else is refused, whatever its mode.
        #expect(chown(keyring, 65534, 65534) == 0)
        let foreign = try cli.run(["keys", "list"])
        #expect(foreign.status == 1 && foreign.stderr.contains("belongs to another user (uid 65534), so it cannot be trusted"), "\(foreign.stderr)")
        // And so is a home that belongs to someone else.
        #expect(chown(keyring, 0, 0) == 0)
        #expect(chown(cli.path("store"), 65534, 65534) == 0)
        let home = try cli.run(["list"])
        #expect(home.status == 1 && home.stderr.contains("the ai-mem home belongs to another user (uid 65534)"), "\(home.stderr)")
    }
}
