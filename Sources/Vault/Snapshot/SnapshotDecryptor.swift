import Foundation
import MemoryStore
import Sodium

/// Reads a snapshot's header, opens the stanza meant for one of `keys`, and then
/// yields the NDJSON plaintext line by line while checking the stream rules
/// (docs/FORMAT.md §3). The signature is available once `nextLine` returned nil.
final class SnapshotDecryptor {
    let header: [UInt8]
    let recipientCount: Int
    /// The key that opened a stanza.
    let openedWith: PublicIdentity
    private let reader: ByteReader
    private let puller: SecretStream.Puller
    private(set) var signature: [UInt8]? = nil
    /// Updated with every plaintext byte (not the signature).
    let verifier = Ed25519.StreamingVerifier()

    private var chunkNumber = 0
    private var finished = false
    private var plaintext: [UInt8] = []
    private var partial: [UInt8] = []
    private var lines: [ArraySlice<UInt8>] = []
    private var lineIndex = 0
    private(set) var lineNumber = 0

    /// `keys` are tried in order; `moreKeys` is asked (once) for further keys when none opens.
    init(reader: ByteReader, keys: [SecretIdentity], moreKeys: () throws -> [SecretIdentity]) throws {
        self.reader = reader
        let start = try reader.read(upTo: 11)
        guard start.count >= 8 else {
            throw start.isEmpty ? SnapshotError.truncated : (Array(start) == Array(SnapshotFormat.magic.prefix(start.count)) ? SnapshotError.truncated : SnapshotError.notASnapshot)
        }
        guard Array(start.prefix(8)) == SnapshotFormat.magic else { throw SnapshotError.notASnapshot }
        guard start.count == 11 else { throw SnapshotError.truncated }
        let version = start[start.startIndex + 8]
        guard version == SnapshotFormat.version else { throw SnapshotError.unsupportedVersion(Int(version)) }
        let count = Int(start[start.startIndex + 9]) | Int(start[start.startIndex + 10]) << 8
        guard count >= 1 else { throw SnapshotError.malformedHeader("no recipient stanza") }
        guard count <= SnapshotFormat.maxRecipients else {
            throw SnapshotError.malformedHeader("\(count) recipient stanzas (at most \(SnapshotFormat.maxRecipients))")
        }
        recipientCount = count
        let rest = try reader.read(upTo: SnapshotFormat.stanzaBytes * count + SecretStream.headerBytes)
        guard rest.count == SnapshotFormat.stanzaBytes * count + SecretStream.headerBytes else { throw SnapshotError.truncated }
        let headerBytes = Array(start) + Array(rest)
        header = headerBytes
        let stanzas = (0..<count).map { i in Array(headerBytes[(11 + i * SnapshotFormat.stanzaBytes)..<(11 + (i + 1) * SnapshotFormat.stanzaBytes)]) }
        let streamHeader = Array(headerBytes[(headerBytes.count - SecretStream.headerBytes)...])

        func open(with identities: [SecretIdentity]) -> (SecretBytes, PublicIdentity)? {
            for identity in identities {
                for stanza in stanzas {
                    if let key = identity.encryption.open(sealed: stanza), key.count == SnapshotFormat.fileKeyBytes {
                        return (key, identity.publicIdentity)
                    }
                }
            }
            return nil
        }
        var opened = open(with: keys)
        var tried = keys
        if opened == nil {
            let extra = try moreKeys()
            tried += extra
            opened = open(with: extra)
        }
        guard let (fileKey, identity) = opened else {
            throw SnapshotError.notARecipient(keyIDs: tried.map(\.publicIdentity.keyID))
        }
        openedWith = identity
        do {
            puller = try SecretStream.Puller(key: fileKey, header: streamHeader)
        } catch {
            throw SnapshotError.corrupted(chunk: 1)
        }
        verifier.update(SnapshotFormat.signatureDomain)
        verifier.update(header)
    }

    /// The next line (without its "\n"), or nil after the last one, once the final
    /// chunk was authenticated and nothing follows it.
    func nextLine() throws -> ArraySlice<UInt8>? {
        while lineIndex >= lines.count {
            if finished {
                guard partial.isEmpty else {
                    throw SnapshotError.invalidPayload(line: lineNumber + 1, reason: "the last line does not end with a newline")
                }
                return nil
            }
            lines.removeAll(keepingCapacity: true)
            lineIndex = 0
            try readChunk()
        }
        let line = lines[lineIndex]
        lineIndex += 1
        lineNumber += 1
        return line
    }

    private func readChunk() throws {
        chunkNumber += 1
        let prefix = try reader.read(upTo: 4)
        guard prefix.count == 4 else { throw SnapshotError.truncated }
        let length = prefix.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let full = SnapshotFormat.chunkBytes + SecretStream.overhead
        guard length > SecretStream.overhead, length <= full else {
            throw SnapshotError.corrupted(chunk: chunkNumber)
        }
        let piece = try reader.read(upTo: length)
        guard piece.count == length else { throw SnapshotError.truncated }
        let tag: UInt8
        do {
            tag = try piece.withUnsafeBytes { try puller.pull($0, into: &plaintext) }
        } catch {
            throw SnapshotError.corrupted(chunk: chunkNumber)
        }
        var data = plaintext[...]
        switch tag {
        case SecretStream.Tag.message.rawValue:
            break
        case SecretStream.Tag.final.rawValue:
            // The final chunk carries the whole signature.
            guard plaintext.count >= SnapshotFormat.signatureBytes else { throw SnapshotError.corrupted(chunk: chunkNumber) }
            guard try reader.isAtEnd() else { throw SnapshotError.trailingData }
            signature = Array(plaintext.suffix(SnapshotFormat.signatureBytes))
            data = plaintext.dropLast(SnapshotFormat.signatureBytes)
            finished = true
        default:
            throw SnapshotError.corrupted(chunk: chunkNumber)
        }
        data.withUnsafeBytes { verifier.update($0) }
        try split(data)
    }

    /// The index of the next "\n" at or after `from` (memchr).
    static func newline(in data: ArraySlice<UInt8>, from: Int) -> Int? {
        guard from < data.endIndex else { return nil }
        return data.withUnsafeBufferPointer { buffer -> Int? in
            let offset = from - data.startIndex
            guard let found = memchr(buffer.baseAddress! + offset, 0x0A, buffer.count - offset) else { return nil }
            return data.startIndex + (UnsafeRawPointer(found) - UnsafeRawPointer(buffer.baseAddress!))
        }
    }

    /// Splits decrypted data into complete lines, enforcing the line limits as bytes arrive.
    private func split(_ data: ArraySlice<UInt8>) throws {
        func limit(_ line: Int) -> Int { line == 1 ? SnapshotFormat.metadataLineLimit : SnapshotFormat.lineLimit }
        var start = data.startIndex
        while let newline = Self.newline(in: data, from: start) {
            let number = lineNumber + lines.count + 1
            if partial.isEmpty {
                lines.append(data[start..<newline])
            } else {
                partial.append(contentsOf: data[start..<newline])
                lines.append(partial[...])
                partial = []
            }
            if lines.last!.count > limit(number) {
                throw SnapshotError.invalidPayload(line: number, reason: "line longer than \(limit(number)) bytes")
            }
            start = newline + 1
        }
        partial.append(contentsOf: data[start...])
        let number = lineNumber + lines.count + 1
        if partial.count > limit(number) {
            throw SnapshotError.invalidPayload(line: number, reason: "line longer than \(limit(number)) bytes")
        }
    }
}
