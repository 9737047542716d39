/// The times a memory may carry (docs/FORMAT.md §4.7): from 2000-01-01T00:00:00Z to
/// a day past the writer's (or snapshot's) clock. A memory dated in the year 9999
/// would stay first in every listing and win every `newer` conflict.
public enum TimeBounds {
    /// 2000-01-01T00:00:00Z.
    public static let earliest = 946_684_800.0
    /// Clock skew allowed past a snapshot's `created_at`, or past the local clock.
    public static let allowedSkew = 86_400.0

    /// Whether `time` lies between 2000-01-01 and `reference` plus a day (both
    /// included). Never traps: a reference before 2000 accepts nothing.
    public static func contains(_ time: Double, reference: Double) -> Bool {
        time >= earliest && time <= reference + allowedSkew
    }

    /// The bounds as a range for queries (empty-safe: a reference before 2000 gives only 2000-01-01).
    public static func range(reference: Double) -> ClosedRange<Double> {
        earliest...max(earliest, reference + allowedSkew)
    }
}
