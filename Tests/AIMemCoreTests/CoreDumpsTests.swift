@testable import AIMemCore
import Glibc
import Testing

/// Issue 14, item 5: no core dump may hold a passphrase or a secret key.
struct CoreDumpsTests {
    @Test func disablingLeavesNoCoreLimitAndANonDumpableProcess() {
        CoreDumps.disable()
        var limit = rlimit()
        #expect(getrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit) == 0)
        #expect(limit.rlim_cur == 0 && limit.rlim_max == 0)
        #expect(!CoreDumps.isDumpable)
    }
}
