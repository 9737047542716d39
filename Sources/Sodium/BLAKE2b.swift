internal import CSodium

/// BLAKE2b (`crypto_generichash`), optionally keyed.
public enum BLAKE2b {
    public static let minimumOutputLength = Int(crypto_generichash_bytes_min())
    public static let maximumOutputLength = Int(crypto_generichash_bytes_max())
    public static let maximumKeyLength = Int(crypto_generichash_keybytes_max())

    static func checkOutputLength(_ length: Int) throws(SodiumError) {
        guard length >= minimumOutputLength && length <= maximumOutputLength else {
            throw .invalidLength(what: "BLAKE2b output", expected: length < minimumOutputLength ? minimumOutputLength : maximumOutputLength, actual: length)
        }
    }

    /// The `outputLength`-byte digest of `message`, keyed with `key` when given (at most 64 bytes).
    public static func hash(_ message: [UInt8], outputLength: Int = 32, key: [UInt8]? = nil) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        try checkOutputLength(outputLength)
        let keyBytes = key ?? []
        guard keyBytes.count <= maximumKeyLength else {
            throw .invalidLength(what: "BLAKE2b key", expected: maximumKeyLength, actual: keyBytes.count)
        }
        var out = [UInt8](repeating: 0, count: outputLength)
        let status = message.withUnsafeBufferPointer { m in
            keyBytes.withUnsafeBufferPointer { k in
                crypto_generichash(&out, outputLength, m.baseAddress ?? emptyPointer, UInt64(m.count), k.baseAddress, k.count)
            }
        }
        try check(status, "crypto_generichash")
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

        public init(outputLength: Int = 64) throws(SodiumError) {
            Sodium.ensureInitialized()
            try BLAKE2b.checkOutputLength(outputLength)
            self.outputLength = outputLength
            state = UnsafeMutableRawPointer.allocate(byteCount: crypto_generichash_statebytes(), alignment: 64)
            let status = crypto_generichash_init(OpaquePointer(state), nil, 0, outputLength)
            guard status == 0 else {
                state.deallocate()
                throw .operationFailed(function: "crypto_generichash_init")
            }
        }

        public func update(_ bytes: UnsafeRawBufferPointer) throws(SodiumError) {
            precondition(!finished, "BLAKE2b.Hasher used after finish")
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            try check(crypto_generichash_update(OpaquePointer(state), base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count)),
                      "crypto_generichash_update")
        }

        public func update(_ bytes: [UInt8]) throws(SodiumError) {
            precondition(!finished, "BLAKE2b.Hasher used after finish")
            let status: Int32 = bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress, raw.count > 0 else { return 0 }
                return crypto_generichash_update(OpaquePointer(state), base.assumingMemoryBound(to: UInt8.self), UInt64(raw.count))
            }
            try check(status, "crypto_generichash_update")
        }

        /// The digest; the hasher cannot be used afterwards.
        public func finish() throws(SodiumError) -> [UInt8] {
            precondition(!finished, "BLAKE2b.Hasher finished twice")
            finished = true
            var out = [UInt8](repeating: 0, count: outputLength)
            try check(crypto_generichash_final(OpaquePointer(state), &out, outputLength), "crypto_generichash_final")
            return out
        }

        deinit {
            sodium_memzero(state, crypto_generichash_statebytes())
            state.deallocate()
        }
    }
}
