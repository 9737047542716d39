import AIMemCore
import Foundation
import GRDB
import Testing
@testable import MemoryStore

/// The export counts the rows within the time bounds of docs/FORMAT.md §4.7 before
/// it writes them (the count is in the snapshot's first line): from the index of
/// both times, not from the table.
struct ExportCountTests {
    static let bounds = TimeBounds.range(reference: 1_800_000_000)

    static func countPlan(_ filter: ObservationFilter, _ store: MemoryStore) throws -> [String] {
        let counting = RecordLines.countCondition(filter, timeBounds: Self.bounds)
        return try store.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT COUNT(*), MAX(o.created_at) FROM observations o WHERE \(counting.sql)",
                             arguments: StatementArguments(counting.arguments)).map { $0["detail"] as String }
        }
    }

    @Test func theCountIsReadFromTheIndexOfBothTimes() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        #expect(try Self.countPlan(ObservationFilter(), store) == ["SEARCH o USING COVERING INDEX observations_by_times (created_at>? AND created_at<?)"])
        #expect(try Self.countPlan(ObservationFilter(since: 1_700_000_000), store)
                    == ["SEARCH o USING COVERING INDEX observations_by_times (created_at>? AND created_at<?)"])
        // An increment's count keeps to the changed_in index: a few rows, not every row of the index.
        var increment = ObservationFilter()
        increment.changedAfter = 7
        #expect(try Self.countPlan(increment, store) == ["SEARCH o USING INDEX observations_by_change (changed_in>?)"])
        #expect(try Self.countPlan(ObservationFilter(project: "/p"), store) == ["SEARCH o USING INDEX observations_by_project (project=?)"])
    }

    /// A row with either time outside the bounds is neither counted nor written.
    @Test func rowsWithEitherTimeOutOfBoundsAreLeftOutOfTheCountAndTheLines() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        for (id, created, updated) in [("fine", 1_700_000_000.0, 1_700_000_100.0), ("old", 5.0, 1_700_000_000.0),
                                       ("future", 1_700_000_000.0, 1_900_000_000.0), ("also-fine", 1_600_000_000.0, 1_600_000_000.0)] {
            let o = try store.add(NewObservation(content: "note \(id)", project: "/p"), now: 1_700_000_000)
            try store.write { db in
                try db.execute(sql: "UPDATE observations SET id = ?, created_at = ?, updated_at = ? WHERE id = ?", arguments: [id, created, updated, o.id])
            }
        }
        let (count, last, lines) = try store.read { db in
            let records = try RecordLines(db, filter: ObservationFilter(), withAuthor: true, timeBounds: Self.bounds)
            var out: [UInt8] = []
            var lines = 0
            while try records.next(into: &out) { lines += 1 }
            return (records.count, records.lastCreatedAt, lines)
        }
        #expect(count == 2 && lines == 2 && last == 1_700_000_000)
    }
}
