import AIMemCore
import Glibc

/// The stdio transport of MCP: one JSON-RPC message per line, UTF-8, on a pair of
/// file descriptors. Reads block (no polling: an idle server uses no CPU); a line
/// longer than `maxMessageBytes` is skipped to its end and reported, so memory
/// stays bounded whatever a client sends; writes go out whole, one line each.
public final class MessageChannel {
    /// What the next line of input was.
    public enum Incoming: Equatable {
        case message([UInt8])
        /// A line over the limit, discarded; its length so far.
        case tooLong(bytes: Int)
    }

    /// The client closed its end of the output.
    public struct Closed: Error {}

    public let maxMessageBytes: Int
    private let input: Int32
    private let output: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEOF = false

    public init(input: Int32, output: Int32, maxMessageBytes: Int) {
        self.input = input
        self.output = output
        self.maxMessageBytes = maxMessageBytes
    }

    /// The next line (without "\n" or a final "\r"), nil at the end of input. Blank lines are skipped.
    public func next() throws(IOError) -> Incoming? {
        var scanned = 0
        var discarding = 0
        while true {
            if let newline = LineReader.newline(in: buffer, from: start + scanned) {
                if discarding > 0 {
                    let skipped = discarding + (newline - start)
                    start = newline + 1
                    return .tooLong(bytes: skipped)
                }
                var line = Array(buffer[start..<newline])
                start = newline + 1
                scanned = 0
                if line.last == 0x0D { line.removeLast() }
                if line.count > maxMessageBytes { return .tooLong(bytes: line.count) }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                return .message(line)
            }
            scanned = buffer.count - start
            if scanned > maxMessageBytes {
                // Keep nothing of an over-long line: count it and read on to its end.
                discarding += scanned
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
            }
            if atEOF {
                if discarding > 0 { return .tooLong(bytes: discarding + (buffer.count - start)) }
                guard start < buffer.count else { return nil }
                var line = Array(buffer[start...])
                start = buffer.count
                if line.last == 0x0D { line.removeLast() }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
                return .message(line)
            }
            try fill()
        }
    }

    private func fill() throws(IOError) {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        if try Descriptor.read(input, appendingTo: &buffer, count: 1 << 16, name: "standard input") == 0 { atEOF = true }
    }

    /// Writes one message and its newline. A client that went away is `Closed`.
    public func send(_ message: [UInt8]) throws(Closed) {
        var line = message
        line.append(0x0A)
        do throws(IOError) {
            try Descriptor.writeAll(output, line, name: "standard output")
        } catch {
            throw Closed()
        }
    }
}
