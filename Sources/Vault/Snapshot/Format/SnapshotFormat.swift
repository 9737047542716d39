import AIMemCore
/// The constants of snapshot format version 1 (docs/FORMAT.md).
public enum SnapshotFormat {
    public static let magic: [UInt8] = FileMagic.encryptedSnapshot
    public static let version: UInt8 = 1
    public static let maxRecipients = 64
    /// A sealed 32-byte key: 32 + 48 bytes.
    public static let stanzaBytes = 80
    public static let fileKeyBytes = 32
    /// Plaintext bytes of every chunk but the last.
    public static let chunkBytes = 65_536
    public static let signatureBytes = 64
    public static let metadataLineLimit = 1 << 20
    public static let lineLimit = 16 << 20
    /// Prefix of the message Ed25519 signs (before the BLAKE2b-512 digest).
    public static let signatureDomain: [UInt8] = Array("ai-mem snapshot v1".utf8) + [0]

    /// Header length for a recipient count: magic, version, count, stanzas, stream header.
    public static func headerBytes(recipients: Int) -> Int { 8 + 1 + 2 + stanzaBytes * recipients + 24 }
}
