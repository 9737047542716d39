import Glibc

/// A buffered writer to a file descriptor.
public final class ByteSink {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20
    public private(set) var bytesWritten = 0

    /// Everything written, for a sink made with `init()` (in memory).
    public private(set) var memory: [UInt8] = []

    /// What errors call the output (a path, `standard output`).
    public let name: String

    /// Starts the kernel writing what was written to disk every `writebackBytes`
    /// (for a file that is synced when complete), so that the final sync waits for
    /// the last few MiB, not the whole file. `nil`: the kernel's own schedule.
    private let writebackBytes: Int?
    private var writebackStart = 0
    /// Linux's `SYNC_FILE_RANGE_WRITE`, a macro Swift does not import.
    private static let syncFileRangeWrite: UInt32 = 2
    /// glibc's `sync_file_range`, which Swift's Glibc module does not export (it is `_GNU_SOURCE`).
    private static let syncFileRange: (@convention(c) (Int32, off_t, off_t, UInt32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, off_t, off_t, UInt32) -> Int32).self)
    }()

    /// `startsWriteback`: the file will be synced when complete (an `AtomicFile`).
    public init(fileDescriptor: Int32, name: String, startsWriteback: Bool = false) {
        self.fd = fileDescriptor
        self.name = name
        writebackBytes = startsWriteback ? 8 << 20 : nil
        buffer.reserveCapacity(flushThreshold + 64 * 1024)
    }

    /// A sink that keeps what is written in `memory` (tests and fuzzing).
    public init() {
        fd = -1
        name = "memory"
        writebackBytes = nil
    }

    public func write(_ bytes: [UInt8]) throws(IOError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    public func flush() throws(IOError) {
        if fd < 0 {
            memory.append(contentsOf: buffer)
            bytesWritten += buffer.count
            buffer.removeAll(keepingCapacity: true)
            return
        }
        try Descriptor.writeAll(fd, buffer, name: name)
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
        if let writebackBytes, bytesWritten - writebackStart >= writebackBytes {
            // Asynchronous: queues the range for writing and returns. A failure here
            // (a file system without it) changes nothing: the final fsync reports
            // any write error.
            _ = Self.syncFileRange?(fd, off_t(writebackStart), off_t(bytesWritten - writebackStart), Self.syncFileRangeWrite)
            writebackStart = bytesWritten
        }
    }
}
