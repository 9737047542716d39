import Foundation
import Testing
@testable import AIMemCore

/// The thread handoff behind the export and merge pipelines.
struct PipelineTests {
    final class Counted: @unchecked Sendable {
        static let lock = NSLock()
        nonisolated(unsafe) static var live = 0
        let value: Int
        init(_ value: Int) {
            self.value = value
            Self.lock.lock(); Self.live += 1; Self.lock.unlock()
        }
        deinit { Self.lock.lock(); Self.live -= 1; Self.lock.unlock() }
        static var count: Int { lock.lock(); defer { lock.unlock() }; return live }
    }

    /// Everything arrives in order, and items taken are not kept: however many flow
    /// through, at most `capacity` (plus the ones in hand) are alive at a time.
    @Test func itemsArriveInOrderAndMemoryStaysBounded() throws {
        let handoff = Handoff<Counted>(capacity: 4)
        let producer = WorkerThread(name: "producer") {
            for i in 0..<20_000 { handoff.put(Counted(i)) }
            handoff.finish()
        }
        var expected = 0
        var peak = 0
        while let item = handoff.take() {
            #expect(item.value == expected)
            expected += 1
            if expected % 97 == 0 { usleep(50) }  // a slower consumer, as SQLite is
            peak = max(peak, Counted.count)
        }
        try producer.join()
        #expect(expected == 20_000)
        #expect(peak <= 4 + 3, "peak of live items: \(peak)")
    }

    @Test func aConsumerThatStopsReleasesTheProducer() throws {
        let handoff = Handoff<Int>(capacity: 2)
        let producer = WorkerThread(name: "producer") { () -> Int in
            var sent = 0
            while handoff.put(sent) { sent += 1 }
            return sent
        }
        #expect(handoff.take() == 0)
        handoff.cancel()
        let sent = try producer.join()
        #expect(sent >= 1 && sent <= 4)
        #expect(handoff.take() == nil)
    }

    @Test func aWorkersErrorIsRethrownByJoin() {
        struct Boom: Error {}
        let worker = WorkerThread<Int>(name: "failing") { throw Boom() }
        #expect(throws: Boom.self) { try worker.join() }
    }
}
