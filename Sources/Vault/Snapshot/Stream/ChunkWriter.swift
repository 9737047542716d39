import AIMemCore
import Sodium

/// The writing half of the stream (docs/FORMAT.md §3): cuts the plaintext into
/// 64 KiB MESSAGE chunks; the rest and the signature form the FINAL chunk (the
/// rest may need a shorter MESSAGE chunk of its own). Each chunk is written as its
/// length (u32 LE) and its ciphertext. One full chunk is always held back, so that
/// the final chunk can take the signature whole.
struct ChunkWriter {
    let pusher: SecretStream.Pusher
    let sink: ByteSink
    /// Plaintext not yet encrypted: at most one chunk once `add` returns.
    private var pending: [UInt8] = []
    private var ciphertext: [UInt8] = []

    init(pusher: SecretStream.Pusher, sink: ByteSink) {
        self.pusher = pusher
        self.sink = sink
        pending.reserveCapacity(SnapshotFormat.chunkBytes * 2)
        ciphertext.reserveCapacity(SnapshotFormat.chunkBytes + SecretStream.overhead + 4)
    }

    mutating func add(_ bytes: [UInt8]) throws {
        // The common case of the export pipeline: whole chunks, nothing pending but
        // a held chunk — encrypt the held one and hold the new one, without copying.
        if bytes.count == SnapshotFormat.chunkBytes && (pending.isEmpty || pending.count == SnapshotFormat.chunkBytes) {
            if !pending.isEmpty { try pending.withUnsafeBytes { try emit($0, tag: .message) } }
            pending = bytes
            return
        }
        pending.append(contentsOf: bytes)
        var offset = 0
        while pending.count - offset > SnapshotFormat.chunkBytes {
            try pending.withUnsafeBytes { raw in
                try emit(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + SnapshotFormat.chunkBytes)]), tag: .message)
            }
            offset += SnapshotFormat.chunkBytes
        }
        if offset > 0 { pending.removeSubrange(0..<offset) }
    }

    /// The final chunk holds the signature whole: when the rest and the signature do
    /// not fit in one chunk, the rest goes out first as a shorter MESSAGE chunk.
    mutating func finish(signature: [UInt8]) throws {
        if !pending.isEmpty && pending.count + signature.count > SnapshotFormat.chunkBytes {
            try pending.withUnsafeBytes { try emit($0, tag: .message) }
            pending.removeAll()
        }
        pending.append(contentsOf: signature)
        try pending.withUnsafeBytes { try emit($0, tag: .final) }
        pending.removeAll()
    }

    private mutating func emit(_ plaintext: UnsafeRawBufferPointer, tag: SecretStream.Tag) throws {
        ciphertext.removeAll(keepingCapacity: true)
        // Each chunk is framed by its ciphertext length (u32 little-endian).
        let length = UInt32(plaintext.count + SecretStream.overhead)
        ciphertext.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)])
        try pusher.push(plaintext, tag: tag, into: &ciphertext)
        try sink.write(ciphertext)
    }
}
