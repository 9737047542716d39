import AIMemCore
import CFuzzerDriver
import Foundation
import MemoryStore
import SentenceEmbedding
@_spi(Testing) import Vault
import Sodium

/// The snapshot reader under hostile bytes. The first input byte picks the mode:
/// even — the rest is a whole snapshot file, read by "bob" (verify mode);
/// odd — the rest is a plaintext that is encrypted and signed by trusted "alice"
/// first, so mutations reach the NDJSON, metadata and record checks.
/// Any outcome but a crash is fine; a refusal must be a SnapshotError or VaultError.
enum Harness {
    static func identity(_ name: String) -> SecretIdentity {
        try! SecretIdentity(seeds: SecretBytes(copying: try! BLAKE2b.hash(Array("ai-mem test vector identity \(name)".utf8), outputLength: 64)))
    }

    static let alice = identity("alice"), bob = identity("bob")
    nonisolated(unsafe) static let vault: SnapshotVault = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-fuzz-\(getpid())")
        let home = Home(explicit: dir.path)
        let keys = KeyStore(home: home)
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = try! SecretKeyFile.seal(bob, name: "bob", createdAt: 0, passphrase: nil, limits: .interactive)
        _ = FileManager.default.createFile(atPath: keys.identityPath, contents: Data(file.encoded()), attributes: [.posixPermissions: 0o600])
        _ = try! keys.trust(alice.publicIdentity, name: "alice")
        let store = try! MemoryStore(home: home, embedder: LexicalHashEmbedder())
        return SnapshotVault(store: store, keys: keys, passphrases: PassphraseSources(file: nil, environment: [:], prompt: nil))
    }()
}

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    var snapshot = Array(input.dropFirst())
    if input[0] & 1 == 1 {
        let sink = ByteSink()
        try! SnapshotWriter.seal(plaintext: snapshot, signer: Harness.alice,
                                 recipients: [Harness.alice.publicIdentity, Harness.bob.publicIdentity], to: sink)
        snapshot = sink.memory
    }
    do {
        _ = try Harness.vault.verify(.bytes(snapshot))
    } catch is SnapshotError {
    } catch is VaultError {
    } catch let error as MemoryStoreError {
        if case .busy = error { return 0 }
        fatalError("unexpected store error: \(error)")
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    guard let data else { return 0 }
    return fuzz(data, size)
})
