import Glibc

/// Reads exact byte counts from a file descriptor (binary input such as snapshots).
package final class ByteReader {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEOF = false
    package private(set) var bytesConsumed = 0

    /// What errors call the input (a path, `standard input`).
    package let name: String

    package init(fileDescriptor: Int32, ownsDescriptor: Bool, name: String) {
        fd = fileDescriptor
        self.name = name
        self.ownsDescriptor = ownsDescriptor
    }

    /// Reads bytes in memory.
    package init(bytes: [UInt8], name: String = "input bytes") {
        fd = -1
        self.name = name
        ownsDescriptor = false
        buffer = bytes
        atEOF = true
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// Up to `count` bytes: fewer only at the end of input.
    package func read(upTo count: Int) throws(IOError) -> ArraySlice<UInt8> {
        while buffer.count - start < count && !atEOF { try fill(minimum: count) }
        let n = min(count, buffer.count - start)
        let slice = buffer[start..<(start + n)]
        start += n
        bytesConsumed += n
        return slice
    }

    /// True when no byte is left.
    package func isAtEnd() throws(IOError) -> Bool {
        if buffer.count - start > 0 { return false }
        if !atEOF { try fill(minimum: 1) }
        return buffer.count - start == 0
    }

    private func fill(minimum: Int) throws(IOError) {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = max(1 << 20, minimum)
        var failure: IOError? = nil
        let tail = [UInt8](unsafeUninitializedCapacity: chunk) { raw, count in
            do throws(IOError) {
                count = try Descriptor.read(fd, into: raw.baseAddress!, count: chunk, name: name)
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        let n = tail.count
        buffer.append(contentsOf: tail)
        if n == 0 { atEOF = true }
    }
}
