import Dispatch
import Foundation

/// Splits index ranges across the machine's cores.
enum Parallel {
    /// One worker per core, at most 8.
    static let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))

    /// Calls `body(worker, range)` for `workers` contiguous slices of `0..<count`
    /// concurrently, and returns when all are done. Slices may be empty.
    static func forEachChunk(of count: Int, workers: Int, _ body: (Int, Range<Int>) -> Void) {
        let workers = max(1, min(workers, count))
        if workers == 1 {
            body(0, 0..<count)
            return
        }
        // The slices are disjoint: callers write only their own slice's memory.
        withoutActuallyEscaping(body) { body in
            let task = UncheckedTask(body: body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let lower = count * worker / workers
                let upper = count * (worker + 1) / workers
                task.body(worker, lower..<upper)
            }
        }
    }
}

private struct UncheckedTask: @unchecked Sendable {
    let body: (Int, Range<Int>) -> Void
}
