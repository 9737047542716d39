import CSodium

/// BLAKE2b (`crypto_generichash`), optionally keyed.
public enum BLAKE2b {
    public static func hash(_ message: [UInt8], outputLength: Int = 32, key: [UInt8]? = nil) -> [UInt8] {
        Sodium.ensureInitialized()
        precondition(outputLength >= Int(crypto_generichash_bytes_min()) && outputLength <= Int(crypto_generichash_bytes_max()))
        var out = [UInt8](repeating: 0, count: outputLength)
        let keyBytes = key ?? []
        message.withUnsafeBufferPointer { m in
            keyBytes.withUnsafeBufferPointer { k in
                _ = crypto_generichash(&out, outputLength, m.baseAddress ?? emptyPointer, UInt64(m.count), k.baseAddress, k.count)
            }
        }
        return out
    }
}

extension BLAKE2b {
    /// Incremental BLAKE2b (`crypto_generichash_init/update/final`) over a stream,
    /// unkeyed. The state lives in 64-byte-aligned memory, as libsodium asks.
    public final class Hasher: @unchecked Sendable {
        private let state: UnsafeMutableRawPointer
        private let outputLength: Int
        private var finished = false

        public init(outputLength: Int = 64) {
            Sodium.ensureInitialized()
            precondition(outputLength >= Int(crypto_generichash_bytes_min()) && outputLength <= Int(crypto_generichash_bytes_max()))
            self.outputLength = outputLength
            state = UnsafeMutableRawPointer.allocate(byteCount: crypto_generichash_statebytes(), alignment: 64)
            _ = crypto_generichash_init(OpaquePointer(state), nil, 0, outputLength)
        }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            precondition(!finished, "BLAKE2b.Hasher used after finish")
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            _ = crypto_generichash_update(OpaquePointer(state),
                                          base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
        }

        public func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        /// The digest; the hasher cannot be used afterwards.
        public func finish() -> [UInt8] {
            precondition(!finished, "BLAKE2b.Hasher finished twice")
            finished = true
            var out = [UInt8](repeating: 0, count: outputLength)
            _ = crypto_generichash_final(OpaquePointer(state), &out, outputLength)
            return out
        }

        deinit {
            sodium_memzero(state, crypto_generichash_statebytes())
            state.deallocate()
        }
    }
}
