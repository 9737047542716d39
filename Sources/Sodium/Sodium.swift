internal import CSodium

/// Entry point of the libsodium wrapper. Every public API of this module calls
/// `Sodium.ensureInitialized()` first, so callers never have to.
public enum Sodium {
    /// The libsodium version string, e.g. "1.0.18".
    public static var versionString: String {
        ensureInitialized()
        return String(cString: sodium_version_string())
    }

    private static let initialization: Bool = {
        // sodium_init returns 0 on success, 1 if already initialised, -1 on failure.
        sodium_init() >= 0
    }()

    /// Initialises libsodium once per process; traps if the library cannot start,
    /// because no cryptographic operation would be safe afterwards.
    @inline(__always)
    public static func ensureInitialized() {
        precondition(initialization, "libsodium failed to initialise")
    }
}

/// A valid pointer for zero-length inputs (libsodium may not accept NULL).
nonisolated(unsafe) let emptyPointer: UnsafePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.initialize(to: 0)
    return UnsafePointer(p)
}()
