/// The first bytes that tell ai-mem's files apart, defined once: the snapshot
/// format (docs/FORMAT.md §2) owns its magic, and plain import recognises it to
/// point the user at `snapshot merge`.
package enum FileMagic {
    /// An encrypted, signed snapshot starts with these 8 bytes.
    package static let encryptedSnapshot: [UInt8] = Array("AIMEMSNP".utf8)
}
