import AIMemCore

/// Splits the plaintext, chunk by chunk, into NDJSON lines (docs/FORMAT.md §4),
/// enforcing the line limits as bytes arrive: 1 MiB for the metadata line, 16 MiB
/// for a record line — so no line is ever held beyond its limit.
struct LineSplitter {
    /// The start of a line that continues in the next chunk.
    private var partial: [UInt8] = []
    /// Lines completed so far.
    private(set) var lineCount = 0

    private func limit(_ line: Int) -> Int { line == 1 ? SnapshotFormat.metadataLineLimit : SnapshotFormat.lineLimit }

    private func tooLong(_ line: Int) -> SnapshotError {
        .invalidPayload(line: line, reason: "line longer than \(limit(line)) bytes")
    }

    /// The complete lines in what was carried over plus `data`; the rest is carried to the next call.
    mutating func split(_ data: ArraySlice<UInt8>) throws -> LineBatch {
        guard let lastNewline = data.lastIndex(of: 0x0A) else {
            partial.append(contentsOf: data)
            if partial.count > limit(lineCount + 1) { throw tooLong(lineCount + 1) }
            return LineBatch(bytes: [], ends: [])
        }
        var bytes = partial
        partial = []
        let carried = bytes.count
        bytes.append(contentsOf: data[data.startIndex...lastNewline])
        partial.append(contentsOf: data[(lastNewline + 1)...])
        var ends: [Int] = []
        var start = 0
        var from = carried
        while let newline = LineReader.newline(in: bytes, from: from) {
            lineCount += 1
            if newline - start > limit(lineCount) { throw tooLong(lineCount) }
            ends.append(newline)
            start = newline + 1
            from = start
        }
        if partial.count > limit(lineCount + 1) { throw tooLong(lineCount + 1) }
        return LineBatch(bytes: bytes, ends: ends)
    }

    /// At the end of the plaintext: the last line must have ended with "\n".
    func finish() throws {
        guard partial.isEmpty else {
            throw SnapshotError.invalidPayload(line: lineCount + 1, reason: "the last line does not end with a newline")
        }
    }
}

/// Complete lines of plaintext: `bytes`, and the offset of each line's "\n".
struct LineBatch: @unchecked Sendable {
    var bytes: [UInt8]
    var ends: [Int]
}
