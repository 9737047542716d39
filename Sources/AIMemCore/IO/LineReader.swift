import Glibc

/// Reads a file descriptor line by line in large chunks, so memory stays bounded
/// by the longest line, not by the input. Lines end at "\n"; the "\n" is not included.
package final class LineReader {
    package let maxLineBytes: Int
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEOF = false
    /// The 1-based number of the last line returned.
    package private(set) var lineNumber = 0
    /// Bytes consumed from the descriptor so far.
    package private(set) var bytesRead = 0

    package enum Failure: Error, Equatable {
        case lineTooLong(line: Int, limit: Int)
        case readFailed(IOError)
    }
    /// What errors call the input (a path, `standard input`).
    package let name: String

    package init(fileDescriptor: Int32, ownsDescriptor: Bool, maxLineBytes: Int, name: String) {
        self.fd = fileDescriptor
        self.name = name
        self.ownsDescriptor = ownsDescriptor
        self.maxLineBytes = maxLineBytes
    }

    /// Reads lines from bytes in memory.
    package init(bytes: [UInt8], maxLineBytes: Int, name: String = "input bytes") {
        fd = -1
        self.name = name
        ownsDescriptor = false
        self.maxLineBytes = maxLineBytes
        buffer = bytes
        atEOF = true
        bytesRead = bytes.count
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The next line's bytes, or nil at the end of input. The final line may lack "\n".
    package func nextLine() throws(Failure) -> ArraySlice<UInt8>? {
        // Bytes after `start` already known to hold no newline.
        var scanned = 0
        while true {
            if let newline = Self.newline(in: buffer, from: start + scanned) {
                let line = buffer[start..<newline]
                start = newline + 1
                lineNumber += 1
                guard line.count <= maxLineBytes else { throw .lineTooLong(line: lineNumber, limit: maxLineBytes) }
                return line
            }
            scanned = buffer.count - start
            if scanned > maxLineBytes {
                throw .lineTooLong(line: lineNumber + 1, limit: maxLineBytes)
            }
            if atEOF {
                guard start < buffer.count else { return nil }
                let line = buffer[start..<buffer.count]
                start = buffer.count
                lineNumber += 1
                return line
            }
            try fill()
        }
    }

    /// The index of the next "\n" at or after `from` (memchr).
    package static func newline(in buffer: [UInt8], from: Int) -> Int? {
        guard from < buffer.count else { return nil }
        return buffer.withUnsafeBufferPointer { b -> Int? in
            guard let found = memchr(b.baseAddress! + from, 0x0A, b.count - from) else { return nil }
            return UnsafeRawPointer(found) - UnsafeRawPointer(b.baseAddress!)
        }
    }

    private func fill() throws(Failure) {
        if start > 0 {
            // Drop consumed bytes so the buffer does not grow with the input.
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = 1 << 20
        buffer.reserveCapacity(buffer.count + chunk)
        let n: Int
        do throws(IOError) { n = try Descriptor.read(fd, appendingTo: &buffer, count: chunk, name: name) } catch { throw .readFailed(error) }
        bytesRead += n
        if n == 0 { atEOF = true }
    }
}
