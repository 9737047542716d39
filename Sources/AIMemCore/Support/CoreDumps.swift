import Glibc

/// Keeps passphrases and secret keys out of core dumps (as gpg-agent and ssh-agent
/// do): the core size limit is 0 (soft and hard), and the process is not dumpable —
/// which also covers a `core_pattern` pipe that ignores the limit, and keeps other
/// processes of the same user from attaching a debugger to it.
package enum CoreDumps {
    package static func disable() {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        // prctl is variadic in C, so Swift does not import it: called through its symbol.
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") {
            _ = unsafeBitCast(symbol, to: Prctl.self)(4, 0, 0, 0, 0)  // PR_SET_DUMPABLE
        }
    }

    /// Whether this process may dump core (for tests).
    package static var isDumpable: Bool {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return true }
        return unsafeBitCast(symbol, to: Prctl.self)(3, 0, 0, 0, 0) != 0  // PR_GET_DUMPABLE
    }
}
