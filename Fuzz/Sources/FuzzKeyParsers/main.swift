import CFuzzerDriver
import Foundation
import MemoryStore
import Vault

/// The key-line, keyring, rotation-statement and secret-key-file parsers under
/// hostile text. Each must either parse or throw a VaultError, never crash; a
/// parsed key line must re-encode to itself (canonical form).
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    if let key = try? PublicIdentity(keyLine: text) {
        precondition(key.keyLine == text.trimmingCharacters(in: .whitespacesAndNewlines), "non-canonical key line accepted")
        precondition((try? PublicIdentity(keyLine: key.keyLine)) == key)
    }
    if let ring = try? KeyringFile.decode(text, path: "fuzz") {
        precondition((try? KeyringFile.decode(KeyringFile.encode(ring), path: "fuzz")) == ring, "keyring does not round-trip")
    }
    if let statement = try? RotationStatement(text: text) {
        precondition((try? RotationStatement(text: statement.text)) == statement)
    }
    _ = try? SecretKeyFile.decode(bytes, path: "fuzz")  // caps are checked before any work
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    guard let data else { return 0 }
    return fuzz(data, size)
})
