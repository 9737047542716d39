internal import CKernels
import AIMemCore
import Foundation
import GRDB

/// A cache of the store's embeddings for fast semantic search: one file per
/// model in the home directory, holding each row's number and its vector
/// quantised to int8 (with one scale per vector) — a quarter of the float32
/// size, read sequentially in 1 MiB blocks (memory stays flat).
///
/// Search scans it for candidates, then re-ranks them with the exact float32
/// vectors from SQLite. The file records the store's write generation and
/// deletion count (`ObservationRow` bumps them on every insert and delete). When
/// rows were only added since, the new rows are appended (row numbers only grow
/// while nothing is deleted); after a deletion, or when the file is missing or
/// damaged, it is rebuilt. It is only a cache: deleting it is always safe.
struct VectorIndex {
    static let magic: [UInt8] = Array("AIMEMVIX".utf8)
    static let version: UInt32 = 2
    /// Candidates kept from the int8 scan for exact re-ranking, per requested result.
    static let candidatesPerResult = 4
    static let minimumCandidates = 100

    let path: String
    let model: String
    let dimension: Int

    /// What the store's counters say; an index of this state is current.
    struct State: Equatable, Sendable {
        var generation: Int64
        var deletions: Int64
    }

    /// The header's variable part.
    struct Header: Equatable {
        var state: State
        /// The highest row number in the file.
        var maxSeq: Int64
        var count: Int
    }

    init(home: Home, model: String, dimension: Int) {
        self.model = model
        self.dimension = dimension
        let safe = String(model.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "." ? Character($0) : "_" })
        path = home.url.appendingPathComponent("vector-index-\(safe)-\(dimension).bin").path
    }

    /// Bytes per row: row number (Int64), scale (Float32), `dimension` int8 values.
    var rowBytes: Int { 12 + dimension }

    /// The header: magic, version, generation, deletions, highest row number, row
    /// count (Int64 each), dimension, model id length (UInt32 each), model id.
    func encode(_ h: Header) -> [UInt8] {
        var out = Self.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(Self.version)
        put(h.state.generation)
        put(h.state.deletions)
        put(h.maxSeq)
        put(Int64(h.count))
        put(UInt32(dimension))
        let modelBytes = Array(model.utf8)
        put(UInt32(modelBytes.count))
        out += modelBytes
        return out
    }

    var headerBytes: Int { 8 + 4 + 8 * 4 + 4 + 4 + model.utf8.count }

    /// The header of an open index file of this model, when it is whole and consistent with the file's size.
    func readHeader(_ file: UnsafeMutablePointer<FILE>) -> Header? {
        var bytes = [UInt8](repeating: 0, count: headerBytes)
        guard fseeko(file, 0, SEEK_SET) == 0, fread(&bytes, 1, bytes.count, file) == bytes.count else { return nil }
        func int64(_ offset: Int) -> Int64 { bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: Int64.self)) } }
        let h = Header(state: State(generation: int64(12), deletions: int64(20)), maxSeq: int64(28), count: Int(clamping: int64(36)))
        guard h.count >= 0, encode(h) == bytes else { return nil }
        var info = stat()
        guard fstat(fileno(file), &info) == 0, Int64(info.st_size) == Int64(headerBytes) + Int64(h.count) * Int64(rowBytes) else { return nil }
        return h
    }

    /// The store's counters (call inside a transaction).
    static func state(_ db: Database) throws -> State {
        let rows = try Row.fetchAll(db, sql: "SELECT name, value FROM vault_state WHERE name IN ('observations_generation', 'observations_deletions')")
        var state = State(generation: 0, deletions: 0)
        for row in rows {
            if row[0] as String == "observations_generation" { state.generation = row[1] } else { state.deletions = row[1] }
        }
        return state
    }

    /// Makes the file current for the store as `db` sees it: nothing, an append of
    /// the rows added since, or a rebuild. Returns the state it is current for, or
    /// nil when it cannot be written (say, a read-only home).
    func prepare(_ db: Database) throws -> State? {
        let state = try Self.state(db)
        if let file = fopen(path, "r+b") {
            defer { fclose(file) }
            if let h = readHeader(file) {
                if h.state == state { return state }
                if h.state.deletions == state.deletions && h.state.generation < state.generation {
                    return try append(db, to: file, header: h, state: state) ? state : nil
                }
            }
        }
        return try build(db, state: state) ? state : nil
    }

    /// Writes `db`'s vectors with row numbers above `after` to `file` at its end.
    private func writeRows(_ db: Database, after: Int64, to file: UnsafeMutablePointer<FILE>) throws -> (count: Int, maxSeq: Int64)? {
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT seq, embedding FROM observations
            WHERE seq > ? AND embedding_model = ? AND embedding_dim = ? AND length(embedding) = ? ORDER BY seq
            """, arguments: [after, model, dimension, dimension * 4])
        var row = [UInt8](repeating: 0, count: rowBytes)
        var count = 0
        var maxSeq = after
        while let r = try cursor.next() {
            let seq: Int64 = r[0]
            try r.withUnsafeData(atIndex: 1) { data in
                guard let data, data.count == dimension * 4 else { return }
                row.withUnsafeMutableBytes { out in
                    out.storeBytes(of: seq.littleEndian, toByteOffset: 0, as: Int64.self)
                    let q = (out.baseAddress! + 12).assumingMemoryBound(to: Int8.self)
                    let scale = data.withUnsafeBytes { Self.quantise($0, dimension: dimension, into: q) }
                    out.storeBytes(of: scale.bitPattern.littleEndian, toByteOffset: 8, as: UInt32.self)
                }
            }
            guard fwrite(row, 1, row.count, file) == row.count else { return nil }
            count += 1
            maxSeq = max(maxSeq, seq)
        }
        return (count, maxSeq)
    }

    /// Appends the rows added since `header` and then rewrites the header. A reader
    /// in between, or a crash, sees a size that does not match the header: a rebuild.
    private func append(_ db: Database, to file: UnsafeMutablePointer<FILE>, header: Header, state: State) throws -> Bool {
        guard fseeko(file, 0, SEEK_END) == 0, let added = try writeRows(db, after: header.maxSeq, to: file) else { return false }
        let updated = Header(state: state, maxSeq: added.maxSeq, count: header.count + added.count)
        let bytes = encode(updated)
        return fflush(file) == 0 && fseeko(file, 0, SEEK_SET) == 0 && fwrite(bytes, 1, bytes.count, file) == bytes.count && fflush(file) == 0
    }

    /// Writes the whole index to a temporary file and renames it into place.
    private func build(_ db: Database, state: State) throws -> Bool {
        let temp = path + ".tmp-\(getpid())"
        guard let file = fopen(temp, "wb") else { return false }
        var ok = false
        defer {
            fclose(file)
            if !ok { unlink(temp) }
        }
        let placeholder = encode(Header(state: State(generation: -1, deletions: -1), maxSeq: 0, count: 0))
        guard fwrite(placeholder, 1, placeholder.count, file) == placeholder.count,
              let written = try writeRows(db, after: Int64.min, to: file) else { return false }
        let final = encode(Header(state: state, maxSeq: written.maxSeq, count: written.count))
        ok = fseeko(file, 0, SEEK_SET) == 0 && fwrite(final, 1, final.count, file) == final.count && fflush(file) == 0
            && rename(temp, path) == 0
        return ok
    }

    /// Quantises `vector` into `out` (int8) and returns its scale.
    static func quantise(_ vector: UnsafeRawBufferPointer, dimension: Int, into out: UnsafeMutablePointer<Int8>) -> Float {
        var maxAbs: Float = 0
        for i in 0..<dimension {
            let x = Float(bitPattern: UInt32(littleEndian: vector.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            maxAbs = max(maxAbs, abs(x))
        }
        guard maxAbs > 0, maxAbs.isFinite else {
            for i in 0..<dimension { out[i] = 0 }
            return 0
        }
        let scale = maxAbs / 127
        for i in 0..<dimension {
            let x = Float(bitPattern: UInt32(littleEndian: vector.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            out[i] = Int8(clamping: Int((x / scale).rounded()))
        }
        return scale
    }

    /// The `candidates` best rows by int8 dot product with `query`, or nil when the
    /// file is missing, damaged or not of this generation. Both halves of the file
    /// are scanned at once, on two threads.
    /// With `resident`, the rows come from memory (read from the file once per state).
    func scan(query: [Float], state: State, candidates: Int, resident: ResidentVectorRows? = nil) -> [(seq: Int64, approximate: Float)]? {
        let held: (rows: [UInt8], count: Int)?
        let count: Int
        if let resident {
            guard let rows = resident.rows(of: self, state: state) else { return nil }
            held = rows
            count = rows.count
        } else {
            guard let file = fopen(path, "rb") else { return nil }
            defer { fclose(file) }
            guard let header = readHeader(file), header.state == state else { return nil }
            held = nil
            count = header.count
        }

        // The query, quantised the same way (its scale does not change the ranking).
        var q = [Int8](repeating: 0, count: dimension)
        query.withUnsafeBytes { raw in q.withUnsafeMutableBufferPointer { _ = Self.quantise(raw, dimension: dimension, into: $0.baseAddress!) } }
        let q16 = q.map(Int16.init)

        let rows = count
        let parts = rows >= 20_000 ? 2 : 1
        let results = Locked<[[(seq: Int64, score: Double)]?]>(Array(repeating: nil, count: parts))
        let headerBytes = self.headerBytes
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let first = rows * part / parts, end = rows * (part + 1) / parts
            let found = held.map { scanResident($0.rows, first..<end, query: q16, candidates: candidates) }
                ?? scanRows(first..<end, headerBytes: headerBytes, query: q16, candidates: candidates)
            results.withLock { $0[part] = found }
        }
        var best = TopK(capacity: candidates)
        for part in 0..<parts {
            guard let found = results.withLock({ $0[part] }) else { return nil }
            for entry in found { best.insert(seq: entry.seq, score: entry.score) }
        }
        return best.sorted().map { ($0.seq, Float($0.score)) }
    }

    /// Scans rows `range` with its own file handle.
    private func scanRows(_ range: Range<Int>, headerBytes: Int, query q16: [Int16], candidates: Int) -> [(seq: Int64, score: Double)]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        guard fseeko(file, off_t(headerBytes + range.lowerBound * rowBytes), SEEK_SET) == 0 else { return nil }
        var best = TopK(capacity: candidates)
        let rowsPerBlock = max(1, (1 << 20) / rowBytes)
        var block = [UInt8](repeating: 0, count: rowsPerBlock * rowBytes)
        var left = range.count
        while left > 0 {
            let n = min(left, rowsPerBlock)
            guard fread(&block, 1, n * rowBytes, file) == n * rowBytes else { return nil }
            block.withUnsafeBytes { raw in scanBlock(raw, rows: n, query: q16, into: &best) }
            left -= n
        }
        return best.sorted()
    }

    /// Scans rows `range` of rows held in memory.
    private func scanResident(_ rows: [UInt8], _ range: Range<Int>, query q16: [Int16], candidates: Int) -> [(seq: Int64, score: Double)] {
        var best = TopK(capacity: candidates)
        rows.withUnsafeBytes { raw in
            scanBlock(UnsafeRawBufferPointer(rebasing: raw[(range.lowerBound * rowBytes)..<(range.upperBound * rowBytes)]), rows: range.count, query: q16, into: &best)
        }
        return best.sorted()
    }

    /// Scores `n` rows laid out as in the file; keeps the best in `best`. The dot
    /// products run in `CKernels` (AVX-512 where the CPU has it), a block of rows at a time.
    private func scanBlock(_ raw: UnsafeRawBufferPointer, rows n: Int, query q16: [Int16], into best: inout TopK) {
        let query = q16.map { Int8(truncatingIfNeeded: $0) }
        let block = 2048
        var dots = [Int32](repeating: 0, count: min(n, block))
        var first = 0
        while first < n {
            let count = min(block, n - first)
            let start = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + first * rowBytes
            dots.withUnsafeMutableBufferPointer { out in
                aimem_int8_dots(start, count, rowBytes, 12, query, Int32(dimension), out.baseAddress!)
            }
            for r in 0..<count {
                let base = (first + r) * rowBytes
                let scale = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8, as: UInt32.self)))
                let score = Float(dots[r]) * scale
                if score > 0 { best.insert(seq: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: base, as: Int64.self)), score: Double(score)) }
            }
            first += count
        }
    }

    /// The dot products of `count` rows (as in the file) with `query`, through the
    /// kernel (`portable`: its portable C; tests compare both with `dot`).
    static func dots(_ rows: UnsafeRawBufferPointer, count: Int, rowBytes: Int, query: [Int8], portable: Bool = false) -> [Int32] {
        var out = [Int32](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { o in
            (portable ? aimem_int8_dots_portable : aimem_int8_dots)(rows.baseAddress!.assumingMemoryBound(to: UInt8.self), count, rowBytes, 12,
                                                                   query, Int32(query.count), o.baseAddress!)
        }
        return out
    }

    /// Every row of the file, when its header says `state`.
    func readRows(state: State) -> (rows: [UInt8], count: Int)? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        guard let header = readHeader(file), header.state == state, fseeko(file, off_t(headerBytes), SEEK_SET) == 0 else { return nil }
        var rows = [UInt8](repeating: 0, count: header.count * rowBytes)
        guard rows.isEmpty || fread(&rows, 1, rows.count, file) == rows.count else { return nil }
        return (rows, header.count)
    }

    /// Integer dot product, eight lanes at a time.
    @inline(__always)
    static func dot(_ v: UnsafePointer<Int8>, _ q: UnsafePointer<Int16>, _ n: Int) -> Int32 {
        var acc = SIMD8<Int32>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(v)
        let qraw = UnsafeRawPointer(q)
        while i + 8 <= n {
            let a = SIMD8<Int32>(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self))
            let b = SIMD8<Int32>(truncatingIfNeeded: qraw.loadUnaligned(fromByteOffset: i * 2, as: SIMD8<Int16>.self))
            acc &+= a &* b
            i += 8
        }
        var sum = acc.wrappedSum()
        while i < n {
            sum &+= Int32(v[i]) &* Int32(q[i])
            i += 1
        }
        return sum
    }
}

/// The vector index held in memory by a process that stays up (`ai-mem mcp`): the
/// file's rows are read once and again only when the store's state moves on, so a
/// search scans memory instead of reading 38 MB (at 100k) from the page cache.
final class ResidentVectorRows: @unchecked Sendable {
    private let lock = NSLock()
    private var held: (path: String, state: VectorIndex.State, rows: [UInt8], count: Int)?

    /// The rows of `index`'s file for `state` (nil when the file is not of that state).
    func rows(of index: VectorIndex, state: VectorIndex.State) -> (rows: [UInt8], count: Int)? {
        lock.lock()
        defer { lock.unlock() }
        if let held, held.path == index.path, held.state == state { return (held.rows, held.count) }
        guard let fresh = index.readRows(state: state) else { held = nil; return nil }
        held = (index.path, state, fresh.rows, fresh.count)
        return fresh
    }
}
