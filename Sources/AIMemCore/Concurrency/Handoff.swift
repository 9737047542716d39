import Foundation

/// A bounded first-in first-out handoff between two threads: the producer blocks
/// when `capacity` items wait, or when the items waiting weigh `byteBudget` bytes
/// (one item is always let through, however heavy), so memory stays bounded however
/// much flows through and however large each item is.
/// Either side can close it; the other then sees the end.
package final class Handoff<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Waiting items from `head` on (taken ones are cleared at once, so they are freed).
    private var items: [Item?] = []
    private var weights: [Int] = []
    private var head = 0
    private let capacity: Int
    private let byteBudget: Int
    private var waitingBytes = 0
    private var producerDone = false
    private var consumerGone = false

    package init(capacity: Int, byteBudget: Int = .max) {
        precondition(capacity > 0 && byteBudget > 0)
        self.capacity = capacity
        self.byteBudget = byteBudget
        items.reserveCapacity(capacity)
    }

    /// Hands `item` (weighing `bytes`) over, waiting for room; false when the consumer has gone.
    @discardableResult
    package func put(_ item: Item, bytes: Int = 0) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !consumerGone && (items.count - head >= capacity || (items.count > head && waitingBytes + bytes > byteBudget)) {
            condition.wait()
        }
        guard !consumerGone else { return false }
        if head > 0 {
            items.removeFirst(head)
            weights.removeFirst(head)
            head = 0
        }
        items.append(item)
        weights.append(bytes)
        waitingBytes += bytes
        condition.broadcast()
        return true
    }

    /// The next item, waiting for one; nil once the producer finished and all were taken.
    package func take() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !producerDone && !consumerGone { condition.wait() }
        guard head < items.count, !consumerGone else { return nil }
        let item = items[head]!
        items[head] = nil
        waitingBytes -= weights[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            weights.removeAll(keepingCapacity: true)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// The producer has nothing more.
    package func finish() {
        condition.lock()
        producerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// The consumer stops: a waiting or later `put` returns false, pending items are dropped.
    package func cancel() {
        condition.lock()
        consumerGone = true
        items.removeAll()
        weights.removeAll()
        waitingBytes = 0
        head = 0
        condition.broadcast()
        condition.unlock()
    }
}
