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

    public init(fileDescriptor: Int32, name: String) {
        self.fd = fileDescriptor
        self.name = name
        buffer.reserveCapacity(flushThreshold + 64 * 1024)
    }

    /// A sink that keeps what is written in `memory` (tests and fuzzing).
    public init() {
        fd = -1
        name = "memory"
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
    }
}
