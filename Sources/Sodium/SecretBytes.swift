internal import CSodium

/// Secret bytes in memory that libsodium guards (`sodium_malloc`: locked, fenced
/// pages) and wipes when released (`sodium_free` zeroes before freeing). Being a
/// class, it is never silently copied; copy out with care.
public final class SecretBytes: @unchecked Sendable {
    public let count: Int
    private let pointer: UnsafeMutableRawPointer

    /// Zero-filled secret storage of `count` bytes.
    public init(count: Int) {
        Sodium.ensureInitialized()
        self.count = count
        guard let p = sodium_malloc(max(count, 1)) else {
            fatalError("sodium_malloc failed: out of memory for secret storage")
        }
        pointer = p
        sodium_memzero(pointer, max(count, 1))
    }

    /// A copy of `bytes`. The caller should wipe its own copy (`Memory.zero`).
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 { pointer.copyMemory(from: base, byteCount: bytes.count) }
    }

    public convenience init(copying bytes: [UInt8]) {
        self.init(count: bytes.count)
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress, raw.count > 0 { pointer.copyMemory(from: base, byteCount: raw.count) }
        }
    }

    /// The UTF-8 bytes of a passphrase. (Swift strings cannot be wiped; keep them short-lived.)
    public convenience init(utf8 text: String) {
        self.init(copying: Array(text.utf8))
    }

    /// Random secret bytes.
    public static func random(count: Int) -> SecretBytes {
        let s = SecretBytes(count: count)
        if count > 0 { randombytes_buf(s.pointer, count) }
        return s
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    /// A new secret holding bytes `range` of this one.
    public func slice(_ range: Range<Int>) -> SecretBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return withUnsafeBytes { SecretBytes(copying: UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Constant-time comparison with another secret.
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return withUnsafeBytes { a in other.withUnsafeBytes { b in ConstantTime.equals(a, b) } }
    }

    deinit {
        sodium_free(pointer)
    }
}

/// Wiping ordinary buffers that held secrets.
public enum Memory {
    public static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress, raw.count > 0 { sodium_memzero(base, raw.count) }
        }
    }
}

/// Constant-time comparison (`sodium_memcmp`), for MACs, keys and checksums.
public enum ConstantTime {
    public static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        Sodium.ensureInitialized()
        guard a.count == b.count else { return false }
        guard a.count > 0 else { return true }
        return sodium_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { ra in b.withUnsafeBytes { rb in equals(ra, rb) } }
    }
}
