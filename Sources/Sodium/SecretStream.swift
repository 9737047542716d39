internal import CSodium

/// `crypto_secretstream_xchacha20poly1305`: a stream of authenticated chunks
/// whose chained state detects altered, reordered, duplicated and dropped chunks.
/// libsodium does not enforce the end of a stream: readers must require
/// `Tag.final` at the end and reject anything after it.
public enum SecretStream {
    public static let keyBytes = Int(crypto_secretstream_xchacha20poly1305_keybytes())
    public static let headerBytes = Int(crypto_secretstream_xchacha20poly1305_headerbytes())
    /// Bytes each chunk adds to its plaintext.
    public static let overhead = Int(crypto_secretstream_xchacha20poly1305_abytes())

    public enum Tag: UInt8, Sendable {
        case message = 0
        case push = 1
        case rekey = 2
        case final = 3
    }

    /// Encrypts chunks in order.
    public final class Pusher {
        private var state = crypto_secretstream_xchacha20poly1305_state()
        /// The 24-byte header a reader needs (public, but must be authenticated by the caller).
        public let header: [UInt8]

        public init(key: SecretBytes) throws(SodiumError) {
            Sodium.ensureInitialized()
            guard key.count == SecretStream.keyBytes else {
                throw .invalidLength(what: "secretstream key", expected: SecretStream.keyBytes, actual: key.count)
            }
            var h = [UInt8](repeating: 0, count: SecretStream.headerBytes)
            var s = crypto_secretstream_xchacha20poly1305_state()
            let status = key.withUnsafeBytes { k in
                crypto_secretstream_xchacha20poly1305_init_push(&s, &h, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            try check(status, "crypto_secretstream_xchacha20poly1305_init_push")
            header = h
            state = s
            withUnsafeMutableBytes(of: &s) { sodium_memzero($0.baseAddress!, $0.count) }
        }

        /// A pusher with a caller-chosen header, for reproducible test vectors only:
        /// reusing a key with the same header reuses nonces. libsodium derives the
        /// same state from (key, header) in `init_push` and `init_pull`, so this
        /// stream is read by any standard reader.
        @_spi(TestVectors)
        public init(testVectorKey key: SecretBytes, header: [UInt8]) throws(SodiumError) {
            Sodium.ensureInitialized()
            guard key.count == SecretStream.keyBytes else {
                throw .invalidLength(what: "secretstream key", expected: SecretStream.keyBytes, actual: key.count)
            }
            guard header.count == SecretStream.headerBytes else {
                throw .invalidLength(what: "secretstream header", expected: SecretStream.headerBytes, actual: header.count)
            }
            var s = crypto_secretstream_xchacha20poly1305_state()
            let status = key.withUnsafeBytes { k in
                crypto_secretstream_xchacha20poly1305_init_pull(&s, header, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            try check(status, "crypto_secretstream_xchacha20poly1305_init_pull")
            self.header = header
            state = s
            withUnsafeMutableBytes(of: &s) { sodium_memzero($0.baseAddress!, $0.count) }
        }

        /// Appends the ciphertext of one chunk to `output`.
        public func push(_ plaintext: UnsafeRawBufferPointer, tag: Tag, into output: inout [UInt8]) throws(SodiumError) {
            let size = plaintext.count + SecretStream.overhead
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: size))
            let status = output.withUnsafeMutableBytes { raw in
                var length: UInt64 = 0
                return crypto_secretstream_xchacha20poly1305_push(
                    &state, (raw.baseAddress! + start).assumingMemoryBound(to: UInt8.self), &length,
                    plaintext.bindMemory(to: UInt8.self).baseAddress ?? emptyPointer, UInt64(plaintext.count),
                    nil, 0, tag.rawValue)
            }
            guard status == 0 else {
                output.removeLast(size)
                throw .operationFailed(function: "crypto_secretstream_xchacha20poly1305_push")
            }
        }

        deinit {
            withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress!, $0.count) }
        }
    }

    /// Decrypts chunks in order.
    public final class Puller {
        private var state = crypto_secretstream_xchacha20poly1305_state()

        /// Fails when the header is invalid for this key.
        public init(key: SecretBytes, header: [UInt8]) throws(SodiumError) {
            Sodium.ensureInitialized()
            guard key.count == SecretStream.keyBytes else {
                throw .invalidLength(what: "secretstream key", expected: SecretStream.keyBytes, actual: key.count)
            }
            guard header.count == SecretStream.headerBytes else {
                throw .invalidLength(what: "secretstream header", expected: SecretStream.headerBytes, actual: header.count)
            }
            let status = key.withUnsafeBytes { k in
                crypto_secretstream_xchacha20poly1305_init_pull(&state, header, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            guard status == 0 else { throw .authenticationFailed }
        }

        /// Decrypts one chunk into `plaintext` (replacing its contents) and returns its tag;
        /// throws `authenticationFailed` for a chunk that is not the next one of this stream.
        public func pull(_ ciphertext: UnsafeRawBufferPointer, additionalData: [UInt8] = [], into plaintext: inout [UInt8]) throws(SodiumError) -> UInt8 {
            guard ciphertext.count >= SecretStream.overhead else { throw .authenticationFailed }
            var tag: UInt8 = 0
            var status: Int32 = 0
            let size = ciphertext.count - SecretStream.overhead
            plaintext = [UInt8](unsafeUninitializedCapacity: max(size, 1)) { out, count in
                var length: UInt64 = 0
                status = crypto_secretstream_xchacha20poly1305_pull(
                    &state, out.baseAddress!, &length, &tag,
                    ciphertext.bindMemory(to: UInt8.self).baseAddress!, UInt64(ciphertext.count),
                    additionalData.isEmpty ? nil : additionalData, UInt64(additionalData.count))
                count = status == 0 ? size : 0
            }
            guard status == 0 else {
                plaintext.removeAll(keepingCapacity: true)
                throw .authenticationFailed
            }
            return tag
        }

        deinit {
            withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress!, $0.count) }
        }
    }
}
