import AIMemCore
import Foundation
import Sodium
import Testing
@testable import Vault

struct KeyFileTests {
    static var manifest: [String: Any] { (try? Vectors.json("keyfiles/manifest.json")) ?? [:] }
    static var refused: [[String: String]] { manifest["refused"] as? [[String: String]] ?? [] }

    @Test func goldenProtectedKeyOpensWithItsPassphrase() throws {
        let file = try SecretKeyFile.decode([UInt8](Vectors.data("keyfiles/TEST-ONLY-protected.key")), path: "v")
        #expect(file.isProtected)
        let identity = try file.open(passphrase: SecretBytes(utf8: Self.manifest["passphrase"] as! String))
        #expect(identity.publicIdentity.keyID == file.keyID)
        #expect(throws: VaultError.wrongPassphrase(keyID: file.keyID)) { _ = try file.open(passphrase: SecretBytes(utf8: "wrong")) }
        #expect(throws: VaultError.passphraseUnavailable(purpose: "unlock key \(file.keyID)")) { _ = try file.open(passphrase: nil) }
    }

    @Test func goldenUnprotectedKeyOpensWithoutPassphrase() throws {
        let file = try SecretKeyFile.decode([UInt8](Vectors.data("keyfiles/TEST-ONLY-unprotected.key")), path: "v")
        #expect(!file.isProtected)
        #expect(try file.open(passphrase: nil).publicIdentity == file.publicIdentity)
    }

    /// Members a reader ignores: `kdf` and `nonce` of an unprotected file, unknown members;
    /// `retired_at` and `retired_reason` are read.
    @Test func acceptedKeyFilesOpen() throws {
        let accepted = Self.manifest["accepted"] as? [String] ?? []
        #expect(!accepted.isEmpty)
        for name in accepted {
            let file = try SecretKeyFile.decode([UInt8](Vectors.data("keyfiles/" + name)), path: name)
            #expect(try file.open(passphrase: nil).publicIdentity == file.publicIdentity, "\(name)")
            #expect(file.retirement == .init(at: 1795600000, reason: .compromised))
        }
    }

    @Test func refusedKeyFilesFailWithTheirErrorClass() throws {
        #expect(Self.refused.count >= 15)
        for vector in Self.refused {
            let name = vector["file"]!, expected = vector["error"]!
            let bytes = [UInt8](try Vectors.data("keyfiles/" + name))
            var kind = "accepted"
            do {
                let file = try SecretKeyFile.decode(bytes, path: name)
                _ = try file.open(passphrase: SecretBytes(utf8: Self.manifest["passphrase"] as! String))
            } catch {
                switch error {
                case .workFactorTooHigh: kind = "workFactorTooHigh"
                case .malformedKeyFile: kind = "malformedKeyFile"
                case .wrongPassphrase: kind = "wrongPassphrase"
                default: kind = "\(error)"
                }
            }
            #expect(kind == expected, "\(name)")
        }
    }

    @Test func overCapWorkFactorIsRefusedBeforeAnyDerivation() throws {
        // A 4 GiB memlimit would take seconds and gigabytes if it were run; refusal is immediate.
        let start = Date()
        let cap = SecretKeyFile.maximumLimits.memLimit
        #expect(throws: VaultError.workFactorTooHigh(path: "v", detail: "memlimit 4294967296 bytes is above the cap of \(cap)")) {
            _ = try SecretKeyFile.decode([UInt8](Vectors.data("keyfiles/mem-over-cap.key")), path: "v")
        }
        #expect(Date().timeIntervalSince(start) < 1)
    }

    @Test func sealOpenRoundTripAndAssociatedDataBinding() throws {
        let identity = SecretIdentity.generate()
        let file = try SecretKeyFile.seal(identity, name: "n", createdAt: 1, passphrase: SecretBytes(utf8: "pw"), limits: .interactive)
        let reread = try SecretKeyFile.decode(file.encoded(), path: "x")
        #expect(try reread.open(passphrase: SecretBytes(utf8: "pw")).seeds.constantTimeEquals(identity.seeds))
        // Swapping in another public key breaks the AEAD (the key line is associated data).
        var text = String(decoding: file.encoded(), as: UTF8.self)
        let other = SecretIdentity.generate().publicIdentity
        text = text.replacingOccurrences(of: file.publicIdentity.keyLine, with: other.keyLine)
            .replacingOccurrences(of: file.keyID, with: other.keyID)
        let swapped = try SecretKeyFile.decode(Array(text.utf8), path: "x")
        #expect(throws: VaultError.wrongPassphrase(keyID: other.keyID)) { _ = try swapped.open(passphrase: SecretBytes(utf8: "pw")) }
    }

    @Test func keyFileNeverContainsTheSeedsWhenProtected() throws {
        let identity = SecretIdentity.generate()
        let file = try SecretKeyFile.seal(identity, name: "n", createdAt: 1, passphrase: SecretBytes(utf8: "pw"), limits: .interactive)
        let text = String(decoding: file.encoded(), as: UTF8.self)
        let seeds = identity.seeds.withUnsafeBytes { Array($0) }
        for encoding in [Hex.encode(seeds), Base64.encode(seeds, alphabet: .url), Data(seeds).base64EncodedString(),
                         Base64.encode(Array(seeds[0..<32]), alphabet: .url), Base64.encode(Array(seeds[32..<64]), alphabet: .url)] {
            #expect(!text.contains(encoding))
        }
    }
}
