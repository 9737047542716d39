import AIMemCore
import Foundation
import MemoryStore
import Sodium

/// Reads a snapshot's header, opens the stanza meant for one of `keys`, and then
/// yields the NDJSON plaintext line by line while checking the stream rules
/// (docs/FORMAT.md §3). A worker thread reads, decrypts, hashes and splits the
/// chunks while the caller parses and applies lines; at most a few chunks wait
/// between them. Everything reaches the caller in stream order, errors included.
/// The signature can be checked once `nextLine` returned nil.
final class SnapshotDecryptor {
    let header: [UInt8]
    let recipientCount: Int
    /// The key that opened a stanza.
    let openedWith: PublicIdentity
    private(set) var signature: [UInt8]? = nil
    private let digest: SnapshotSignature
    private let batches: Handoff<LineBatch.Item>

    private var batch = LineBatch(bytes: [], ends: [])
    private var lineIndex = 0
    private var finished = false
    private(set) var lineNumber = 0

    /// `keys` are tried in order; `moreKeys` is asked (once) for further keys when none opens.
    init(reader: ByteReader, keys: [SecretIdentity], moreKeys: () throws -> [SecretIdentity]) throws {
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
        let puller: SecretStream.Puller
        do {
            puller = try SecretStream.Puller(key: fileKey, header: streamHeader)
        } catch {
            throw SnapshotError.corrupted(chunk: 1)
        }
        digest = try SnapshotSignature()
        try digest.update(headerBytes)
        let batches = Handoff<LineBatch.Item>(capacity: 4)
        self.batches = batches
        let chunks = ChunkReader(reader: reader, puller: puller, digest: digest)
        _ = WorkerThread(name: "snapshot-decrypt") {
            chunks.run(into: batches)
        }
    }

    deinit {
        // Stops the worker at its next handoff, if the caller stopped reading early.
        batches.cancel()
    }

    /// True when the signature in the final chunk is valid for `publicKey` (call
    /// after `nextLine` returned nil; once).
    func verifySignature(publicKey: Ed25519.PublicKey) throws(SodiumError) -> Bool {
        guard finished, let signature else { return false }
        return try digest.verify(signature: signature, publicKey: publicKey)
    }

    /// BLAKE2b-512 of the header and plaintext (after `nextLine` returned nil): the
    /// identity of the signed content, which the merge ledger records.
    func contentDigest() throws(SodiumError) -> [UInt8]? { finished && signature != nil ? try digest.digest() : nil }

    /// The next line (without its "\n"), or nil after the last one, once the final
    /// chunk was authenticated and nothing follows it.
    func nextLine() throws -> ArraySlice<UInt8>? {
        while lineIndex >= batch.ends.count {
            if finished { return nil }
            guard let item = batches.take() else { throw SnapshotError.truncated }
            switch item {
            case .lines(let next):
                batch = next
                lineIndex = 0
            case .end(let signature):
                self.signature = signature
                finished = true
            case .failure(let error):
                finished = true
                batch = LineBatch(bytes: [], ends: [])
                throw error
            }
        }
        let start = lineIndex == 0 ? 0 : batch.ends[lineIndex - 1] + 1
        let line = batch.bytes[start..<batch.ends[lineIndex]]
        lineIndex += 1
        lineNumber += 1
        return line
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
}

/// Complete lines of plaintext: `bytes`, and the offset of each line's "\n".
struct LineBatch: @unchecked Sendable {
    var bytes: [UInt8]
    var ends: [Int]

    enum Item: @unchecked Sendable {
        case lines(LineBatch)
        /// The final chunk was authenticated and nothing follows; its signature.
        case end(signature: [UInt8])
        case failure(Error)
    }
}

/// The worker's half: reads length-framed chunks, decrypts and hashes them, and
/// splits the plaintext into lines, enforcing the line limits as bytes arrive.
final class ChunkReader: @unchecked Sendable {
    private let reader: ByteReader
    private let puller: SecretStream.Puller
    private let digest: SnapshotSignature
    private var chunkNumber = 0
    private var plaintext: [UInt8] = []
    /// The start of a line that continues in the next chunk.
    private var partial: [UInt8] = []
    /// Lines completed so far.
    private var lineCount = 0

    init(reader: ByteReader, puller: SecretStream.Puller, digest: SnapshotSignature) {
        self.reader = reader
        self.puller = puller
        self.digest = digest
    }

    func run(into batches: Handoff<LineBatch.Item>) {
        do {
            while true {
                let (batch, signature) = try readChunk()
                if !batch.ends.isEmpty || signature == nil {
                    guard batches.put(.lines(batch)) else { return }
                }
                if let signature {
                    guard partial.isEmpty else {
                        throw SnapshotError.invalidPayload(line: lineCount + 1, reason: "the last line does not end with a newline")
                    }
                    batches.put(.end(signature: signature))
                    batches.finish()
                    return
                }
            }
        } catch {
            batches.put(.failure(error))
            batches.finish()
        }
    }

    /// One chunk's complete lines, and the signature when it was the final chunk.
    private func readChunk() throws -> (LineBatch, [UInt8]?) {
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
        var signature: [UInt8]? = nil
        switch tag {
        case SecretStream.Tag.message.rawValue:
            break
        case SecretStream.Tag.final.rawValue:
            // The final chunk carries the whole signature.
            guard plaintext.count >= SnapshotFormat.signatureBytes else { throw SnapshotError.corrupted(chunk: chunkNumber) }
            guard try reader.isAtEnd() else { throw SnapshotError.trailingData }
            signature = Array(plaintext.suffix(SnapshotFormat.signatureBytes))
            data = plaintext.dropLast(SnapshotFormat.signatureBytes)
        default:
            throw SnapshotError.corrupted(chunk: chunkNumber)
        }
        try data.withUnsafeBytes { try digest.update($0) }
        return (try split(data), signature)
    }

    private func limit(_ line: Int) -> Int { line == 1 ? SnapshotFormat.metadataLineLimit : SnapshotFormat.lineLimit }

    /// The complete lines in `partial` + `data`; the rest stays in `partial`.
    private func split(_ data: ArraySlice<UInt8>) throws -> LineBatch {
        guard let lastNewline = data.lastIndex(of: 0x0A) else {
            partial.append(contentsOf: data)
            if partial.count > limit(lineCount + 1) {
                throw SnapshotError.invalidPayload(line: lineCount + 1, reason: "line longer than \(limit(lineCount + 1)) bytes")
            }
            return LineBatch(bytes: [], ends: [])
        }
        var bytes = partial
        partial = []
        let carried = bytes.count
        bytes.append(contentsOf: data[data.startIndex...lastNewline])
        partial.append(contentsOf: data[(lastNewline + 1)...])
        var ends: [Int] = []
        var start = 0
        var from = carried
        while let newline = SnapshotDecryptor.newline(in: bytes[...], from: from) {
            lineCount += 1
            if newline - start > limit(lineCount) {
                throw SnapshotError.invalidPayload(line: lineCount, reason: "line longer than \(limit(lineCount)) bytes")
            }
            ends.append(newline)
            start = newline + 1
            from = start
        }
        if partial.count > limit(lineCount + 1) {
            throw SnapshotError.invalidPayload(line: lineCount + 1, reason: "line longer than \(limit(lineCount + 1)) bytes")
        }
        return LineBatch(bytes: bytes, ends: ends)
    }
}
