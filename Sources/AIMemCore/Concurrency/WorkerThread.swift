import Foundation

/// A thread running one closure, to be joined for its result (errors included).
/// The closure's captures belong to the thread until `join` returns: the caller
/// shares only `Handoff`s with it meanwhile.
package final class WorkerThread<Result>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Swift.Result<Result, Error>? = nil
    private var joined = false

    package init(name: String, _ body: @escaping () throws -> Result) {
        nonisolated(unsafe) let body = body
        let thread = Thread { [self] in
            outcome = Swift.Result { try body() }
            done.signal()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Waits for the closure and returns (or throws) what it did.
    package func join() throws -> Result {
        if !joined {
            done.wait()
            joined = true
        }
        return try outcome!.get()
    }
}
