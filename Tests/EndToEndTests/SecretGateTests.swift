import Foundation
import Testing

/// Issue 17 through the built binary: secrets pasted into memories are named when
/// stored, listed by `scan`, stopped at `snapshot export` and `sync` unless redacted
/// or allowed, and removed by `redact`.
@Suite(.serialized)
struct SecretGateTests {
    static let githubToken = "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"
    static let awsKeyID = "AKIAQ3ZV7XK2MB4RT6WN"
    static let awsSecret = "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"
    static let openAIKey = "sk-proj-" + String(repeating: "Ab3dE6gH9jK2", count: 6) + "x7" + "T3BlbkFJ" + String(repeating: "Zy8Xw7Vu6Ts5", count: 6) + "q1"
    static let sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + String(repeating: "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n", count: 4) + "-----END OPENSSH PRIVATE KEY-----"
    static var secretParts: [String] { ["zQWBuTSOoRi4A9spHcVY5", "Q3ZV7XK2MB4RT6WN", "Zq8+Rk2/Vm4TnW7p", "Ab3dE6gH9jK2", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUA"] }

    /// The memories of the issue's new user: keys for AWS, GitHub, OpenAI and SSH, and one plain note.
    func addLeaks(_ p: Person) throws -> [String: String] {
        var ids: [String: String] = [:]
        for (name, text) in [
            ("aws", "Deploy user for the billing bucket: \(Self.awsKeyID) with aws_secret_access_key = \(Self.awsSecret)"),
            ("github", "CI pushes with GITHUB_TOKEN=\(Self.githubToken) (repo scope)"),
            ("openai", "The eval harness reads OPENAI_API_KEY=\(Self.openAIKey)"),
            ("ssh", "Bastion key, keep it safe:\n\(Self.sshKey)"),
            ("plain", "Deploys go through the staging cluster first"),
        ] {
            let added = try p.cli.ok(["add", text, "--project", "/team"])
            ids[name] = added.out.trimmingCharacters(in: .newlines)
            if name == "plain" {
                #expect(!added.stderr.contains("secret"), "\(added.stderr)")
            } else {
                #expect(added.stderr.contains("ai-mem: warning: stored a secret: \(ids[name]!) content:"), "\(added.stderr)")
                #expect(added.stderr.contains("ai-mem: hint: it stays in your store"))
                for part in Self.secretParts { #expect(!added.stderr.contains(part), "the warning shows the secret: \(added.stderr)") }
            }
        }
        return ids
    }

    /// Import and merge name the secrets they stored, found beside the write (not
    /// read back after it): each by its memory and place, the count beyond the first
    /// 20, and nothing for a record left out (an id repeated in the input).
    @Test func importAndMergeNameTheSecretsTheyStored() throws {
        let alice = try Person.make("alice"), bob = try Person.make("bob")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp() }
        try bob.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        var lines = (0..<25).map { #"{"id": "leak-\#($0)", "content": "CI pushes with GITHUB_TOKEN=\#(Self.githubToken) (run \#($0))", "project": "/team"}"# }
        lines.append(#"{"id": "leak-3", "content": "a repeat, left out: GITHUB_TOKEN=\#(Self.githubToken)", "project": "/team"}"#)
        lines.append(#"{"id": "plain-1", "content": "Deploys go through the staging cluster first", "project": "/team"}"#)
        let imported = try alice.cli.ok(["import", "-", "--json"], input: Data(lines.joined(separator: "\n").utf8))
        let report = try jsonObject(imported.stdout)
        #expect(report["imported"] as? Int == 26 && report["duplicates_in_input"] as? Int == 1)
        func named(_ stderr: String) -> [String] { stderr.split(separator: "\n").filter { $0.contains("warning: stored a secret: ") }.map(String.init) }
        #expect(named(imported.stderr).count == 20, "\(imported.stderr)")
        #expect(named(imported.stderr).first == "ai-mem: warning: stored a secret: leak-0 content:1:29 github-pat: …ushes with GITHUB_TOKEN=ghp_…(40 chars) (GitHub personal access token (classic))", "\(imported.stderr)")
        #expect(imported.stderr.contains("ai-mem: warning: … and 5 more secrets (`ai-mem scan` lists them all)"), "\(imported.stderr)")
        #expect(!imported.stderr.contains("repeat"))
        for part in Self.secretParts { #expect(!imported.stderr.contains(part)) }

        let file = alice.cli.path("to-bob.aimem")
        try alice.cli.ok(["snapshot", "export", file, "--to", bob.line, "--allow-secrets"])
        let merged = try bob.cli.ok(["snapshot", "merge", file])
        #expect(named(merged.stderr).count == 20 && merged.stderr.contains("… and 5 more secrets"), "\(merged.stderr)")
        #expect(merged.stderr.contains("stored a secret: leak-0 content:1:29 github-pat"), "\(merged.stderr)")
        // Merged again: nothing is stored, nothing is named.
        let again = try bob.cli.ok(["snapshot", "merge", file])
        #expect(named(again.stderr).isEmpty, "\(again.stderr)")
    }

    @Test func secretsAreListedStoppedRedactedOrAllowed() throws {
        let alice = try Person.make("alice"), bob = try Person.make("bob"), carol = try Person.make("carol")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp(); carol.cli.cleanUp() }
        for reader in [bob, carol] { try reader.cli.ok(["keys", "trust", alice.line, "--name", "alice"]) }
        let ids = try addLeaks(alice)

        // scan: every finding, masked, exit status 1.
        let scan = try alice.cli.run(["scan", "--json"])
        #expect(scan.status == 1)
        let report = try jsonObject(scan.stdout)
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(Set(findings.compactMap { $0["rule"] as? String }) == ["aws-access-key-id", "aws-secret-access-key", "github-pat", "openai-api-key", "private-key"])
        #expect(report["memories"] as? Int == 4)
        let github = try #require(findings.first { $0["rule"] as? String == "github-pat" })
        #expect(github["id"] as? String == ids["github"] && github["field"] as? String == "content" && github["line"] as? Int == 1 && github["column"] as? Int == 29)
        #expect(github["excerpt"] as? String == "…ushes with GITHUB_TOKEN=ghp_…(40 chars)")
        for part in Self.secretParts { #expect(!scan.out.contains(part)) }
        #expect(try alice.cli.run(["scan", "--project", "/elsewhere"]).status == 0)

        // An export to Bob is refused: every finding listed, nothing written.
        let refusedFile = alice.cli.path("to-bob.aimem")
        let refused = try alice.cli.run(["snapshot", "export", refusedFile, "--to", bob.line])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("ai-mem: error: the selection holds 5 secrets in 4 memories: nothing was written"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--redact") && refused.stderr.contains("--allow-secrets") && refused.stderr.contains("ai-mem redact ID"))
        #expect(refused.stderr.contains("\(ids["github"]!) content:1:29 github-pat"))
        for part in Self.secretParts { #expect(!refused.stderr.contains(part)) }
        #expect(!FileManager.default.fileExists(atPath: refusedFile))
        #expect(try FileManager.default.contentsOfDirectory(atPath: alice.cli.home.path).allSatisfy { !$0.contains("to-bob") })
        #expect(try alice.cli.run(["snapshot", "export", "-", "--to", bob.line]).stdout.isEmpty)

        // --redact: Bob gets each secret as its marker, signed by Alice; her store keeps them.
        let redactedFile = alice.cli.path("redacted.aimem")
        let exported = try alice.cli.ok(["snapshot", "export", redactedFile, "--to", bob.line, "--redact", "--json"])
        #expect(exported.stderr.contains("redacted 5 secrets in 4 memories of yours"), "\(exported.stderr)")
        let secrets = try #require(try jsonObject(exported.stdout)["secrets"] as? [String: Any])
        #expect(secrets["redactions"] as? Int == 5 && secrets["redacted_memories"] as? Int == 4)
        let inspected = try jsonObject(bob.cli.ok(["snapshot", "inspect", redactedFile, "--json"]).stdout)
        #expect(inspected["redactions"] as? Int == 5 && inspected["count"] as? Int == 5)
        let merged = try jsonObject(bob.cli.ok(["snapshot", "merge", redactedFile, "--json"]).stdout)
        #expect(merged["added"] as? Int == 5 && merged["forged_author"] as? Int == 0 && merged["unknown_author"] as? Int == 0)
        let bobsCopy = try jsonObject(bob.cli.ok(["show", ids["github"]!, "--json"]).stdout)
        #expect(bobsCopy["content"] as? String == "CI pushes with GITHUB_TOKEN=[REDACTED:github-pat] (repo scope)")
        #expect((bobsCopy["author"] as? [String: Any])?["key_id"] as? String == alice.keyID)
        #expect(try bob.cli.run(["scan"]).status == 0)
        let bobsSSH = try jsonObject(bob.cli.ok(["show", ids["ssh"]!, "--json"]).stdout)
        #expect(bobsSSH["content"] as? String == "Bastion key, keep it safe:\n[REDACTED:private-key]")
        #expect(try jsonObject(alice.cli.ok(["show", ids["github"]!, "--json"]).stdout)["content"] as? String == "CI pushes with GITHUB_TOKEN=\(Self.githubToken) (repo scope)")

        // Carol takes them as they are (--allow-secrets) and is told what she stored; she
        // may not relay them redacted: only their author changes Alice's memories.
        let allowed = alice.cli.path("allowed.aimem")
        try alice.cli.ok(["snapshot", "export", allowed, "--to", carol.line, "--allow-secrets"])
        let carolMerges = try carol.cli.ok(["snapshot", "merge", allowed])
        #expect(carolMerges.stderr.contains("ai-mem: warning: stored a secret: \(ids["github"]!) content:1:29 github-pat"), "\(carolMerges.stderr)")
        #expect(try jsonObject(carol.cli.ok(["show", ids["github"]!, "--json"]).stdout)["content"] as? String == "CI pushes with GITHUB_TOKEN=\(Self.githubToken) (repo scope)")
        try bob.cli.ok(["keys", "trust", carol.line, "--name", "carol"])
        let relay = carol.cli.path("relay.aimem")
        let relayed = try carol.cli.ok(["snapshot", "export", relay, "--to", bob.line, "--redact", "--json"])
        #expect(relayed.stderr.contains("left out 4 memories of other authors holding secrets"), "\(relayed.stderr)")
        #expect(try jsonObject(relayed.stdout)["count"] as? Int == 1)
        try bob.cli.ok(["snapshot", "merge", relay])
        #expect(try bob.cli.run(["scan"]).status == 0)
        // The same version as Bob's redacted copy, carried raw: Bob keeps his copy.
        let raw = alice.cli.path("raw.aimem")
        try alice.cli.ok(["snapshot", "export", raw, "--to", bob.line, "--allow-secrets"])
        try bob.cli.ok(["snapshot", "merge", raw])
        #expect(try bob.cli.run(["scan"]).status == 0)

        // A backup to yourself only carries them, and says so.
        let backup = try alice.cli.ok(["snapshot", "export", alice.cli.path("backup.aimem")])
        #expect(backup.stderr.contains("ai-mem: warning: carries a secret: \(ids["github"]!) content:1:29 github-pat"), "\(backup.stderr)")

        // redact ID rewrites the memory in place: an edit, so it travels.
        let redacted = try alice.cli.ok(["redact", ids["aws"]!, "--json"])
        #expect(try jsonObject(redacted.stdout)["redacted"] as? Int == 2)
        #expect(try jsonObject(alice.cli.ok(["show", ids["aws"]!, "--json"]).stdout)["content"] as? String
                == "Deploy user for the billing bucket: [REDACTED:aws-access-key-id] with aws_secret_access_key = [REDACTED:aws-secret-access-key]")
        #expect(try jsonObject(alice.cli.run(["scan", "--json"]).stdout)["memories"] as? Int == 3)
        let notHers = try carol.cli.run(["redact", ids["github"]!])
        #expect(notHers.status == 1 && notHers.stderr.contains("only its author redacts it"), "\(notHers.stderr)")
        let next = alice.cli.path("after-redact.aimem")
        try alice.cli.ok(["snapshot", "export", next, "--to", carol.line, "--allow-secrets"])
        #expect(try jsonObject(carol.cli.ok(["snapshot", "merge", next, "--json"]).stdout)["replaced"] as? Int == 1)
        #expect(try jsonObject(carol.cli.ok(["show", ids["aws"]!, "--json"]).stdout)["content"] as? String == "Deploy user for the billing bucket: [REDACTED:aws-access-key-id] with aws_secret_access_key = [REDACTED:aws-secret-access-key]")
        #expect(try alice.cli.run(["redact", ids["plain"]!]).stderr.contains("holds no secrets"))
        #expect(try alice.cli.run(["snapshot", "export", next, "--redact", "--allow-secrets"]).status != 0)
    }

    @Test func syncPublishesNothingWhileASecretWaits() throws {
        let alice = try Person.make("alice"), bob = try Person.make("bob")
        defer { alice.cli.cleanUp(); bob.cli.cleanUp() }
        try alice.cli.ok(["keys", "trust", bob.line, "--name", "bob"])
        try bob.cli.ok(["keys", "trust", alice.line, "--name", "alice"])
        let folder = alice.cli.path("team")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try alice.cli.ok(["add", "Staging deploys need the VPN", "--project", "/team"])
        try alice.cli.ok(["add", "CI pushes with GITHUB_TOKEN=\(Self.githubToken)", "--project", "/team"])
        let refused = try alice.cli.run(["sync", folder])
        #expect(refused.status == 1 && refused.stderr.contains("the selection holds 1 secret in 1 memory"), "\(refused.stderr)")
        let published = try FileManager.default.subpathsOfDirectory(atPath: folder).filter { $0.hasSuffix(".aimem") }
        #expect(published.isEmpty)
        let redacted = try alice.cli.ok(["sync", folder, "--redact"])
        #expect(redacted.out.contains("published a full snapshot: 2 memories"), "\(redacted.out)")
        try bob.cli.ok(["sync", folder, "--allow-secrets"])
        let list = try jsonArray(bob.cli.ok(["list", "--json"]).stdout)
        #expect(list.count == 2)
        #expect(list.contains { ($0["content"] as? String) == "CI pushes with GITHUB_TOKEN=[REDACTED:github-pat]" })
    }
}
