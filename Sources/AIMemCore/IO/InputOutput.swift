import Glibc
import Foundation

/// Where a command reads from: a file, or standard input for `-`.
public enum InputSource: Sendable, Equatable {
    case standardInput
    case file(String)
    /// Bytes already in memory (tests and fuzzing).
    case bytes([UInt8])

    public init(argument: String) {
        self = argument == "-" ? .standardInput : .file(argument)
    }

    /// A name for messages.
    public var displayName: String {
        switch self {
        case .standardInput: return "standard input"
        case .file(let path): return path
        case .bytes: return "input bytes"
        }
    }

    /// Opens a binary reader over the input.
    package func openByteReader() throws(IOError) -> ByteReader {
        switch self {
        case .standardInput:
            return ByteReader(fileDescriptor: STDIN_FILENO, ownsDescriptor: false, name: displayName)
        case .file(let path):
            return ByteReader(fileDescriptor: try Self.openFile(path), ownsDescriptor: true, name: path)
        case .bytes(let bytes):
            return ByteReader(bytes: bytes, name: displayName)
        }
    }

    static func openFile(_ path: String) throws(IOError) -> Int32 {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw IOError(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw IOError(path: path, reason: "is a directory") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IOError(path: path, reason: String(cString: strerror(errno))) }
        return fd
    }

    /// How many bytes the input holds, when that is known before reading it: a
    /// regular file (named, or redirected to standard input) or bytes in memory.
    public var sizeHint: Int64? {
        var info = stat()
        switch self {
        case .bytes(let bytes): return Int64(bytes.count)
        case .file(let path): guard stat(path, &info) == 0 else { return nil }
        case .standardInput: guard fstat(STDIN_FILENO, &info) == 0 else { return nil }
        }
        return (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : nil
    }

    /// Opens a line reader over the input.
    package func openLineReader(maxLineBytes: Int) throws(IOError) -> LineReader {
        switch self {
        case .standardInput:
            return LineReader(fileDescriptor: STDIN_FILENO, ownsDescriptor: false, maxLineBytes: maxLineBytes, name: displayName)
        case .file(let path):
            return LineReader(fileDescriptor: try Self.openFile(path), ownsDescriptor: true, maxLineBytes: maxLineBytes, name: path)
        case .bytes(let bytes):
            return LineReader(bytes: bytes, maxLineBytes: maxLineBytes, name: displayName)
        }
    }
}

/// Where a command writes: a file (atomically: temporary file, then rename), or
/// standard output for `-`.
public enum OutputDestination: Sendable, Equatable {
    case standardOutput
    case file(String)

    public init(argument: String) {
        self = argument == "-" ? .standardOutput : .file(argument)
    }

    public var displayName: String {
        switch self {
        case .standardOutput: return "standard output"
        case .file(let path): return path
        }
    }

    /// Runs `body` with a sink; a file appears at its path only if `body` succeeds.
    public func write<T>(mode: mode_t = 0o600, _ body: (ByteSink) throws -> T) throws -> T {
        switch self {
        case .standardOutput:
            let sink = ByteSink(fileDescriptor: STDOUT_FILENO, name: displayName)
            let result = try body(sink)
            try sink.flush()
            return result
        case .file(let path):
            let file = try AtomicFile(path: path, mode: mode)
            do {
                let sink = ByteSink(fileDescriptor: file.fileDescriptor, name: path, startsWriteback: true)
                let result = try body(sink)
                try sink.flush()
                try file.commit()
                return result
            } catch {
                file.abandon()
                throw error
            }
        }
    }
}
