import AIMemCore
import Foundation
import Sodium

/// Opens a snapshot for one of the reader's keys and yields its NDJSON plaintext
/// line by line (docs/FORMAT.md §2–§4): the header is read (`SnapshotHeader`), the
/// stanza meant for one of `keys` opened, and then a worker thread reads and
/// decrypts the chunks (`ChunkReader`), hashes them for the signature (§5) and
/// splits them into lines (`LineSplitter`) while the caller parses and applies
/// lines; at most a few batches wait between them. Everything reaches the caller
/// in stream order, errors included. The signature can be checked once
/// `nextLine` returned nil.
final class SnapshotDecryptor {
    let header: SnapshotHeader
    /// The key that opened a stanza.
    let openedWith: PublicIdentity
    private(set) var signature: [UInt8]? = nil
    private let digest: SnapshotSignature
    private let batches: Handoff<Item>

    private var batch = LineBatch(bytes: [], ends: [])
    private var lineIndex = 0
    private var finished = false
    private(set) var lineNumber = 0

    /// What the worker hands over.
    enum Item: @unchecked Sendable {
        case lines(LineBatch)
        /// The final chunk was authenticated and nothing follows; its signature.
        case end(signature: [UInt8])
        case failure(Error)
    }

    var recipientCount: Int { header.stanzas.count }

    /// `keys` are tried in order, then each of `moreKeys` (a key unlocked only when
    /// reached; nil when it cannot be) until one opens a stanza.
    init(reader: ByteReader, keys: [SecretIdentity], moreKeys: [() -> SecretIdentity?] = []) throws {
        header = try SnapshotHeader.read(from: reader)
        let stanzas = header.stanzas
        func open(with identity: SecretIdentity) -> SecretBytes? {
            for stanza in stanzas {
                if let key = identity.encryption.open(sealed: stanza), key.count == SnapshotFormat.fileKeyBytes { return key }
            }
            return nil
        }
        var tried: [String] = []
        var opened: (SecretBytes, PublicIdentity)? = nil
        for identity in keys {
            tried.append(identity.publicIdentity.keyID)
            if let key = open(with: identity) { opened = (key, identity.publicIdentity); break }
        }
        if opened == nil {
            for unlock in moreKeys {
                guard let identity = unlock() else { continue }
                tried.append(identity.publicIdentity.keyID)
                if let key = open(with: identity) { opened = (key, identity.publicIdentity); break }
            }
        }
        guard let (fileKey, identity) = opened else {
            throw SnapshotError.notARecipient(keyIDs: tried)
        }
        openedWith = identity
        let puller: SecretStream.Puller
        do {
            puller = try SecretStream.Puller(key: fileKey, header: header.streamHeader)
        } catch {
            throw SnapshotError.corrupted(chunk: 1)
        }
        digest = try SnapshotSignature()
        try digest.update(header.bytes)
        // At most 4 batches, or 4 MiB of plaintext (one batch may hold a single large line), wait.
        let batches = Handoff<Item>(capacity: 4, byteBudget: 4 << 20)
        self.batches = batches
        let chunks = ChunkReader(reader: reader, puller: puller)
        let digest = self.digest
        _ = WorkerThread(name: "snapshot-decrypt") {
            Self.run(chunks, digest: digest, into: batches)
        }
    }

    deinit {
        // Stops the worker at its next handoff, if the caller stopped reading early.
        batches.cancel()
    }

    /// The worker: chunk by chunk, hash the plaintext and hand over its complete lines.
    private static func run(_ chunks: ChunkReader, digest: SnapshotSignature, into batches: Handoff<Item>) {
        var splitter = LineSplitter()
        do {
            while true {
                let chunk = try chunks.next()
                try chunk.plaintext.withUnsafeBytes { try digest.update($0) }
                let lines = try splitter.split(chunk.plaintext)
                if !lines.ends.isEmpty || chunk.signature == nil {
                    guard batches.put(.lines(lines), bytes: lines.bytes.count) else { return }
                }
                if let signature = chunk.signature {
                    try splitter.finish()
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
}
