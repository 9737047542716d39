import AIMemCore
import Testing

/// docs/FORMAT.md §4.7: 2000-01-01 to a day past the reference, both included; never a trap.
struct TimeBoundsTests {
    @Test func boundsAreInclusiveAndNeverTrap() {
        let now = 1_790_000_000.0
        #expect(TimeBounds.contains(946_684_800, reference: now))
        #expect(!TimeBounds.contains(946_684_799.999, reference: now))
        #expect(TimeBounds.contains(now + 86_400, reference: now))
        #expect(!TimeBounds.contains(now + 86_400.001, reference: now))
        #expect(!TimeBounds.contains(.nan, reference: now))
        // A reference clock before 2000 accepts nothing, and the query range stays well formed.
        #expect(!TimeBounds.contains(946_684_800, reference: 5))
        #expect(TimeBounds.range(reference: 5) == 946_684_800...946_684_800)
        #expect(TimeBounds.range(reference: now).upperBound == now + 86_400)
    }
}
