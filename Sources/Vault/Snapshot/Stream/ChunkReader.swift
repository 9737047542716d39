import AIMemCore
import Sodium

/// The reading half of the stream (docs/FORMAT.md §3): reads length-framed chunks
/// and decrypts them in order, enforcing the rules libsodium leaves to the caller —
/// only MESSAGE and FINAL tags, the signature whole in the FINAL chunk, nothing
/// after it. It knows nothing of lines (that is §4, `LineSplitter`).
final class ChunkReader {
    /// One authenticated chunk: its plaintext, and for the FINAL chunk the
    /// signature taken off its end.
    struct Chunk {
        var plaintext: ArraySlice<UInt8>
        var signature: [UInt8]?
    }

    private let reader: ByteReader
    private let puller: SecretStream.Puller
    private var plaintext: [UInt8] = []
    /// The 1-based number of the last chunk read.
    private(set) var chunkNumber = 0

    init(reader: ByteReader, puller: SecretStream.Puller) {
        self.reader = reader
        self.puller = puller
    }

    /// The next chunk; after one with a signature (FINAL), the input has ended.
    func next() throws -> Chunk {
        chunkNumber += 1
        let prefix = try reader.read(upTo: 4)
        guard prefix.count == 4 else { throw SnapshotError.truncated }
        let p = prefix.startIndex
        let length = Int(prefix[p]) | Int(prefix[p + 1]) << 8 | Int(prefix[p + 2]) << 16 | Int(prefix[p + 3]) << 24
        guard length > SecretStream.overhead, length <= SnapshotFormat.chunkBytes + SecretStream.overhead else {
            throw SnapshotError.corrupted(chunk: chunkNumber)
        }
        let piece = try reader.read(upTo: length)
        guard piece.count == length else { throw SnapshotError.truncated }
        let tag: UInt8
        do {
            tag = try piece.withUnsafeBytes { raw throws(SodiumError) in try puller.pull(raw, into: &plaintext) }
        } catch {
            throw SnapshotError.corrupted(chunk: chunkNumber)
        }
        switch tag {
        case SecretStream.Tag.message.rawValue:
            return Chunk(plaintext: plaintext[...], signature: nil)
        case SecretStream.Tag.final.rawValue:
            guard plaintext.count >= SnapshotFormat.signatureBytes else { throw SnapshotError.corrupted(chunk: chunkNumber) }
            // Nothing may follow the FINAL chunk; this is checked before anything else about the end.
            guard try reader.isAtEnd() else { throw SnapshotError.trailingData }
            return Chunk(plaintext: plaintext.dropLast(SnapshotFormat.signatureBytes),
                         signature: Array(plaintext.suffix(SnapshotFormat.signatureBytes)))
        default:
            throw SnapshotError.corrupted(chunk: chunkNumber)
        }
    }
}
