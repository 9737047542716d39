import AIMemCore
import Foundation
import MemoryStore
import Sodium
import Testing
import Vault

/// Secret key bytes and passphrases never appear in anything ai-mem writes or
/// prints: a full workflow is run and every output and file is searched for them.
struct SecretHygieneTests {
    /// Every encoding of a secret we could plausibly leak it in.
    static func encodings(_ bytes: [UInt8]) -> [[UInt8]] {
        [bytes, Array(Hex.encode(bytes).utf8), Array(Hex.encode(bytes).uppercased().utf8),
         Array(Data(bytes).base64EncodedString().utf8), Array(Base64.encode(bytes, alphabet: .url).utf8)]
    }

    static func secrets(of home: URL, passphrase: String?) throws -> [[UInt8]] {
        var found: [[UInt8]] = []
        let keys = KeyStore(home: Home(explicit: home.path))
        var files = [try keys.identityFile()]
        files += try keys.retiredKeyFiles()
        for file in files {
            let identity = try file.open(passphrase: file.isProtected ? SecretBytes(utf8: passphrase!) : nil)
            let seeds = identity.seeds.withUnsafeBytes { Array($0) }
            let signing: [UInt8] = identity.signing.secretKey.withUnsafeBytes { Array($0) }
            let encryption: [UInt8] = identity.encryption.secretKey.withUnsafeBytes { Array($0) }
            let parts: [[UInt8]] = [seeds, Array(seeds[0..<32]), Array(seeds[32..<64]), signing, encryption]
            for part in parts { found += encodings(part) }
        }
        return found
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count, let first = needle.first else { return false }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == first && Array(haystack[i..<(i + needle.count)]) == needle { return true }
            i += 1
        }
        return false
    }

    @Test func noSecretInAnyOutputOrFileOfAFullWorkflow() throws {
        let alice = CLI(), bob = CLI()
        defer { alice.cleanUp(); bob.cleanUp() }
        let pa = "alice passphrase \(UUID().uuidString)", pb = "bob passphrase \(UUID().uuidString)", pa2 = "alice new \(UUID().uuidString)"
        let ea = ["AI_MEM_PASSPHRASE": pa], eb = ["AI_MEM_PASSPHRASE": pb]
        var outputs: [CLI.Result] = []
        func run(_ cli: CLI, _ args: [String], _ env: [String: String] = [:], input: Data? = nil) throws -> CLI.Result {
            let r = try cli.run(args, input: input, environment: env)
            outputs.append(r)
            return r
        }
        let fast = ["--kdf", "interactive"]
        _ = try run(alice, ["keys", "generate", "--name", "alice", "--json"] + fast, ea)
        _ = try run(bob, ["keys", "generate", "--name", "bob"] + fast, eb)
        let aliceKey = try jsonObject(run(alice, ["keys", "show", "--json"]).stdout)["public_key"] as! String
        let bobKey = try jsonObject(run(bob, ["keys", "show", "--json"]).stdout)["public_key"] as! String
        _ = try run(alice, ["keys", "trust", bobKey, "--name", "bob", "--json"])
        _ = try run(bob, ["keys", "trust", aliceKey, "--name", "alice"])
        _ = try run(alice, ["add", "a memory with a token: not-a-secret-key", "--json"])
        let file = alice.path("s.aimem")
        _ = try run(alice, ["snapshot", "export", file, "--to", "bob", "--json"], ea)
        let piped = try run(alice, ["snapshot", "export", "-", "--to", "bob", "--json"], ea)
        _ = try run(bob, ["snapshot", "inspect", file, "--json"], eb)
        _ = try run(bob, ["snapshot", "verify", file], eb)
        _ = try run(bob, ["snapshot", "merge", "-", "--json"], eb, input: piped.stdout)
        _ = try run(bob, ["snapshot", "merge", file], eb)
        _ = try run(bob, ["snapshot", "merge", file], ["AI_MEM_PASSPHRASE": "wrong"])  // error path
        var tampered = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        tampered[tampered.count - 5] ^= 1
        _ = try run(bob, ["snapshot", "merge", "-"], eb, input: Data(tampered))  // error path
        _ = try run(alice, ["keys", "passwd"] + fast, ["AI_MEM_PASSPHRASE": pa, "AI_MEM_NEW_PASSPHRASE": pa2])
        _ = try run(alice, ["keys", "rotate", "--json"] + fast, ["AI_MEM_PASSPHRASE": pa2])
        _ = try run(alice, ["keys", "list", "--json"])
        _ = try run(bob, ["list", "--json"])
        _ = try run(bob, ["stats", "--json"])
        _ = try run(alice, ["export", "-"])
        #expect(outputs.count == 21)

        var secrets = try Self.secrets(of: alice.home.appendingPathComponent("store"), passphrase: pa2)
        secrets += try Self.secrets(of: bob.home.appendingPathComponent("store"), passphrase: pb)
        for p in [pa, pb, pa2] { secrets.append(Array(p.utf8)) }
        #expect(secrets.count > 30)

        var haystacks: [(String, [UInt8])] = outputs.enumerated().flatMap { i, r in
            [("stdout \(i)", [UInt8](r.stdout)), ("stderr \(i)", Array(r.stderr.utf8))]
        }
        for cli in [alice, bob] {
            let enumerator = FileManager.default.enumerator(at: cli.home, includingPropertiesForKeys: nil)!
            for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                haystacks.append((url.path, [UInt8](try Data(contentsOf: url))))
            }
        }
        #expect(haystacks.count > 40)
        // The search itself works: public material is found where it belongs.
        #expect(haystacks.contains { Self.contains($0.1, Array(aliceKey.utf8)) })
        #expect(haystacks.contains { Self.contains($0.1, Array("not-a-secret-key".utf8)) })
        for (name, bytes) in haystacks {
            for secret in secrets where Self.contains(bytes, secret) {
                Issue.record("a secret (\(secret.count) bytes) appears in \(name)")
            }
        }
    }
}
