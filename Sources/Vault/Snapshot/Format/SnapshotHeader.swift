import AIMemCore
import Sodium

/// The header of a snapshot (docs/FORMAT.md §2), parsed and serialised side by side:
/// `magic ‖ version ‖ recipient_count (u16 LE) ‖ stanza × recipient_count ‖ stream_header`.
struct SnapshotHeader: Equatable {
    /// One sealed file key per recipient, 80 bytes each, in file order.
    var stanzas: [[UInt8]]
    /// The 24-byte secretstream header.
    var streamHeader: [UInt8]

    /// The header's bytes, exactly as written (and as signed, §5).
    var bytes: [UInt8] {
        var out = SnapshotFormat.magic + [SnapshotFormat.version]
        out += [UInt8(stanzas.count & 0xFF), UInt8(stanzas.count >> 8)]
        for stanza in stanzas { out += stanza }
        return out + streamHeader
    }

    /// Reads a header from the start of `reader`, refusing what §2 and §6 step 1 refuse.
    static func read(from reader: ByteReader) throws -> SnapshotHeader {
        let start = try reader.read(upTo: 11)
        let magic = SnapshotFormat.magic
        guard start.count >= magic.count else {
            // A file that ends within the magic: cut short if what is there matches it.
            throw start.isEmpty || Array(start) == Array(magic.prefix(start.count)) ? SnapshotError.truncated : SnapshotError.notASnapshot
        }
        guard Array(start.prefix(magic.count)) == magic else { throw SnapshotError.notASnapshot }
        guard start.count == 11 else { throw SnapshotError.truncated }
        let version = start[start.startIndex + 8]
        guard version == SnapshotFormat.version else { throw SnapshotError.unsupportedVersion(Int(version)) }
        let count = Int(start[start.startIndex + 9]) | Int(start[start.startIndex + 10]) << 8
        guard count >= 1 else { throw SnapshotError.malformedHeader("no recipient stanza") }
        guard count <= SnapshotFormat.maxRecipients else {
            throw SnapshotError.malformedHeader("\(count) recipient stanzas (at most \(SnapshotFormat.maxRecipients))")
        }
        let restLength = SnapshotFormat.stanzaBytes * count + SecretStream.headerBytes
        let rest = Array(try reader.read(upTo: restLength))
        guard rest.count == restLength else { throw SnapshotError.truncated }
        let stanzas = (0..<count).map { Array(rest[($0 * SnapshotFormat.stanzaBytes)..<(($0 + 1) * SnapshotFormat.stanzaBytes)]) }
        return SnapshotHeader(stanzas: stanzas, streamHeader: Array(rest[(restLength - SecretStream.headerBytes)...]))
    }
}
