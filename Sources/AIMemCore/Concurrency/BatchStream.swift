/// Elements made on a worker thread and taken one by one on the consumer's,
/// handed over in batches of at most `batchSize` elements or `batchBytes` bytes,
/// with at most `capacity` batches or `byteBudget` bytes waiting, so memory stays
/// bounded whatever the input. An error the producer meets reaches the consumer in
/// order, after every element made before it.
package final class BatchStream<Element>: @unchecked Sendable {
    fileprivate enum Item {
        case batch([Element])
        case failure(Error)
    }

    /// The producer's end, used on the worker thread only.
    package struct Sender {
        fileprivate let items: Handoff<Item>
        fileprivate let batchSize: Int
        fileprivate let batchBytes: Int
        private var batch: [Element] = []
        private var bytes = 0

        fileprivate init(items: Handoff<Item>, batchSize: Int, batchBytes: Int) {
            self.items = items
            self.batchSize = batchSize
            self.batchBytes = batchBytes
            batch.reserveCapacity(batchSize)
        }

        /// Adds an element made from `bytes` bytes of input; false once the consumer has gone.
        package mutating func add(_ element: Element, bytes: Int) -> Bool {
            batch.append(element)
            self.bytes += bytes
            return batch.count < batchSize && self.bytes < batchBytes ? true : flush()
        }

        /// Adds several elements made from `bytes` bytes of input (an import record may make none or two).
        package mutating func add(contentsOf elements: [Element], bytes: Int) -> Bool {
            batch += elements
            self.bytes += bytes
            return batch.count < batchSize && self.bytes < batchBytes ? true : flush()
        }

        private mutating func flush() -> Bool {
            guard !batch.isEmpty else { return true }
            defer {
                batch = []
                bytes = 0
                batch.reserveCapacity(batchSize)
            }
            return items.put(.batch(batch), bytes: bytes)
        }

        /// Hands over what is left, then the end.
        package mutating func finish() {
            if flush() { items.finish() }
        }

        /// Hands over what is left, then `error`, then the end.
        package mutating func fail(_ error: Error) {
            guard flush() else { return }
            items.put(.failure(error))
            items.finish()
        }
    }

    private let items: Handoff<Item>
    private var batch: [Element] = []
    private var index = 0
    private var ended = false

    /// Starts `produce` on a thread named `name`; it adds elements to its `Sender`.
    /// A thrown error is handed over after what was added before it.
    package init(name: String, capacity: Int = 4, byteBudget: Int = 4 << 20, batchSize: Int = 64, batchBytes: Int = 1 << 20,
                 _ produce: @escaping (inout Sender) throws -> Void) {
        let items = Handoff<Item>(capacity: capacity, byteBudget: byteBudget)
        self.items = items
        _ = WorkerThread(name: name) {
            var sender = Sender(items: items, batchSize: batchSize, batchBytes: batchBytes)
            do {
                try produce(&sender)
                sender.finish()
            } catch {
                sender.fail(error)
            }
        }
    }

    /// The consumer stops early: the producer's next hand-over fails and it ends.
    deinit { items.cancel() }

    /// The next element, nil after the last, or the producer's error in its place.
    package func next() throws -> Element? {
        while index >= batch.count {
            if ended { return nil }
            guard let item = items.take() else {
                ended = true
                batch = []
                index = 0
                return nil
            }
            switch item {
            case .batch(let next):
                batch = next
                index = 0
            case .failure(let error):
                ended = true
                batch = []
                index = 0
                throw error
            }
        }
        let element = batch[index]
        index += 1
        return element
    }
}
