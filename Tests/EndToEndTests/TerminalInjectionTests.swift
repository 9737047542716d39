import AIMemCore
import Foundation
import MemoryStore
import Sodium
import Testing
@_spi(Testing) import Vault

/// Issue 14, item 2: output that cannot lie. A crafted snapshot's strings, and a
/// memory's, reach the terminal escaped; `--json` stays exact.
struct TerminalInjectionTests {
    @Test func aCraftedSignerNameCannotForgeLinesOrHideText() throws {
        let bob = CLI()
        defer { bob.cleanUp() }
        let b = try jsonObject(bob.ok(["keys", "generate", "--name", "bob", "--no-passphrase", "--json"]).stdout)
        let bobKey = try PublicIdentity(keyLine: b["public_key"] as! String)
        let mallory = try SecretIdentity(seeds: SecretBytes.random(count: 64))
        let name = "alice\nsignature:  valid\u{1B}[8m\u{1B}]52;c;ZXZpbA==\u{07}\u{202E}"
        let metadata = SnapshotMetadata(snapshotID: "id\u{1B}[2J", createdAt: 1_790_000_000, exporterKeyID: mallory.publicIdentity.keyID,
                                        exporterName: name, exporterPublicKey: mallory.publicIdentity.keyLine, sequence: 1,
                                        recipients: [bobKey.keyID], filter: ObservationFilter(project: "/p\r\u{1B}[1A"), count: 0,
                                        embeddingModel: "lexical-hash-384-v1", embeddingDimension: 384)
        var plaintext = JSONWriter(reservingCapacity: 1024)
        plaintext.write(metadata.json)
        plaintext.append(0x0A)
        let sink = ByteSink()
        try SnapshotWriter.seal(plaintext: plaintext.bytes, signer: mallory, recipients: [bobKey], to: sink)
        let file = bob.path("crafted.aimem")
        try Data(sink.memory).write(to: URL(fileURLWithPath: file))

        let shown = try bob.ok(["snapshot", "inspect", file])
        let text = shown.out
        #expect(!shown.stdout.contains(0x1B) && !shown.stdout.contains(0x07) && !shown.stdout.contains(0x0D))
        #expect(!text.contains("\u{202E}"))
        #expect(text.contains(#"signer:     alice\x0asignature:  valid\x1b[8m\x1b]52;c;ZXZpbA==\x07\u{202e} (key"#), "\(text)")
        #expect(text.components(separatedBy: "\n").filter { $0.hasPrefix("signature:") } == ["signature:  not checked (unknown signer)"], "\(text)")
        #expect(text.contains(#"snapshot:   id\x1b[2J"#) && text.contains(#"project=/p\x0d\x1b[1A"#), "\(text)")
        // JSON is exact: the name as sent, JSON-escaped.
        let json = try jsonObject(bob.ok(["snapshot", "inspect", file, "--json"]).stdout)
        #expect((json["signer"] as? [String: Any])?["name"] as? String == name)
        // A refused merge names the signer escaped too.
        let refused = try bob.run(["snapshot", "merge", file])
        #expect(refused.status == 1 && !refused.stderr.contains("\u{1B}"), "\(refused.stderr)")
        #expect(refused.stderr.components(separatedBy: "\n").filter { !$0.isEmpty }.allSatisfy { $0.hasPrefix("ai-mem: ") }, "\(refused.stderr)")
        #expect(refused.stderr.contains(#"(calls itself alice\x0asignature:  valid"#), "\(refused.stderr)")
    }

    @Test func memoriesAreShownEscaped() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let content = "Deploy notes \u{1B}]52;c;Y3VybCBldmls\u{07} and \u{1B}[31mred\u{1B}[0m \u{202E}txet\nsecond line\tindented"
        let id = try cli.ok(["add", content, "--title", "a\u{1B}[8mhidden"]).out.trimmingCharacters(in: .newlines)
        for args in [["list"], ["show", id], ["search", "Deploy", "--mode", "keyword"]] {
            let r = try cli.ok(args)
            #expect(!r.stdout.contains(0x1B) && !r.stdout.contains(0x07) && !r.out.contains("\u{202E}"), "\(args)")
        }
        let show = try cli.ok(["show", id]).out
        // The body keeps its lines and tabs; single-line fields do not.
        #expect(show.contains("\\x1b]52;c;Y3VybCBldmls\\x07") && show.contains("\nsecond line\tindented") && show.contains("title:      a\\x1b[8mhidden"), "\(show)")
        let json = try jsonObject(cli.ok(["show", id, "--json"]).stdout)
        #expect(json["content"] as? String == content)
    }
}
