#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads a file descriptor line by line in large chunks, so memory stays bounded
/// by the longest line, not by the input. Lines end at "\n"; the "\n" is not included.
public final class LineReader {
    public let maxLineBytes: Int
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEOF = false
    /// The 1-based number of the last line returned.
    public private(set) var lineNumber = 0
    /// Bytes consumed from the descriptor so far.
    public private(set) var bytesRead = 0

    public enum Failure: Error, Equatable {
        case lineTooLong(line: Int, limit: Int)
        case readFailed(String)
    }

    public init(fileDescriptor: Int32, ownsDescriptor: Bool, maxLineBytes: Int) {
        self.fd = fileDescriptor
        self.ownsDescriptor = ownsDescriptor
        self.maxLineBytes = maxLineBytes
    }

    /// Reads lines from bytes in memory.
    public init(bytes: [UInt8], maxLineBytes: Int) {
        fd = -1
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
    public func nextLine() throws(Failure) -> ArraySlice<UInt8>? {
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
    static func newline(in buffer: [UInt8], from: Int) -> Int? {
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
        var n = 0
        var failure: Int32 = 0
        let old = buffer.count
        buffer.reserveCapacity(old + chunk)
        let tail = [UInt8](unsafeUninitializedCapacity: chunk) { raw, count in
            repeat {
                n = read(fd, raw.baseAddress!, chunk)
            } while n < 0 && errno == EINTR
            if n < 0 { failure = errno }
            count = max(n, 0)
        }
        if n < 0 { throw .readFailed(String(cString: strerror(failure))) }
        buffer.append(contentsOf: tail)
        bytesRead += n
        if n == 0 { atEOF = true }
    }
}

/// A buffered writer to a file descriptor.
public final class ByteSink {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20
    public private(set) var bytesWritten = 0

    /// Everything written, for a sink made with `init()` (in memory).
    public private(set) var memory: [UInt8] = []

    public init(fileDescriptor: Int32) {
        self.fd = fileDescriptor
        buffer.reserveCapacity(flushThreshold + 64 * 1024)
    }

    /// A sink that keeps what is written in `memory` (tests and fuzzing).
    public init() {
        fd = -1
    }

    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    public func flush() throws {
        if fd < 0 {
            memory.append(contentsOf: buffer)
            bytesWritten += buffer.count
            buffer.removeAll(keepingCapacity: true)
            return
        }
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw MemoryStoreError.io(path: "output", reason: String(cString: strerror(errno)))
            }
            offset += n
        }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads exact byte counts from a file descriptor (binary input such as snapshots).
public final class ByteReader {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEOF = false
    public private(set) var bytesConsumed = 0

    public init(fileDescriptor: Int32, ownsDescriptor: Bool) {
        fd = fileDescriptor
        self.ownsDescriptor = ownsDescriptor
    }

    /// Reads bytes in memory.
    public init(bytes: [UInt8]) {
        fd = -1
        ownsDescriptor = false
        buffer = bytes
        atEOF = true
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// Up to `count` bytes: fewer only at the end of input.
    public func read(upTo count: Int) throws -> ArraySlice<UInt8> {
        while buffer.count - start < count && !atEOF { try fill(minimum: count) }
        let n = min(count, buffer.count - start)
        let slice = buffer[start..<(start + n)]
        start += n
        bytesConsumed += n
        return slice
    }

    /// True when no byte is left.
    public func isAtEnd() throws -> Bool {
        if buffer.count - start > 0 { return false }
        if !atEOF { try fill(minimum: 1) }
        return buffer.count - start == 0
    }

    private func fill(minimum: Int) throws {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = max(1 << 20, minimum)
        var n = 0
        var failure: Int32 = 0
        let tail = [UInt8](unsafeUninitializedCapacity: chunk) { raw, count in
            repeat {
                n = Glibc.read(fd, raw.baseAddress!, chunk)
            } while n < 0 && errno == EINTR
            if n < 0 { failure = errno }
            count = max(n, 0)
        }
        if n < 0 { throw MemoryStoreError.io(path: "input", reason: String(cString: strerror(failure))) }
        buffer.append(contentsOf: tail)
        if n == 0 { atEOF = true }
    }
}
